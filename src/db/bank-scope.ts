// Row-level security for statements outside transactions: which banks a request's reads may see.
//
// The policies (migrations 20261128200000 and 20261129010000) show the server's role only the
// rows of the banks named in the setting timebank.bank_ids. A transaction narrows itself
// (src/db/row-security.ts); a statement outside one runs with its connection's session setting.
// This file makes that session setting follow the request the statement is for:
//
// - An HTTP request runs inside `runRequestScope` (server.ts); once its context is built,
//   `narrowRequestScope` names the banks the viewer may read (their memberships, their banks'
//   federation partners, the banks of the institutions they act for; every bank for platform
//   admins; none for anonymous requests).
// - The application pool (`BankScopedPool`) reads that scope when a statement or a transaction
//   asks it for a connection, and sends `set_config('timebank.bank_ids', <scope>, false)` first
//   only when that connection was last set for another scope: a request whose statements land on
//   connections already set for its banks pays nothing more (a random mix of banks on one pool
//   pays it on most statements: bench/README.md).
// - Work that is not a request's reads (the outbox relay, schedulers, scripts, statistics
//   refreshes, expiry on read) and reads the access rules make public (the bank directory's
//   categories and member counts) run inside `everyBank`, which keeps '*'. Outside any scope
//   (start-up, background timers) the setting is '*' as well.
//
// WARNING: Prisma batches findUnique calls made in the same tick, across requests, and runs the
// batch in the async context of whoever scheduled it. `keepBankScopeThroughBatching` makes the
// scope part of the batch key and runs each batch in its callers' scope; without it a request
// could be served under another request's scope.
import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";

/** The setting's value for every bank. */
export const EVERY_BANK = "*";

/**
 * Not a value of the setting: a statement that narrows its own transaction before it reads or
 * writes anything (the ledger's SQL functions) runs on whatever connection is free, as it is set.
 */
const SELF_SCOPED = "self-scoped";

interface ScopeHolder {
  /** The value for timebank.bank_ids: '*', '' (no bank) or comma-separated bank ids. */
  setting: string;
}

const storage = new AsyncLocalStorage<ScopeHolder>();

/** The setting the current async context's statements run with ('*' outside any scope). */
export function currentBankScope(): string {
  return storage.getStore()?.setting ?? EVERY_BANK;
}

/** The setting's value for a list of banks ('' names none: the protected tables show nothing). */
export function bankScopeSetting(bankIds: readonly string[] | typeof EVERY_BANK): string {
  if (bankIds === EVERY_BANK) return EVERY_BANK;
  return [...new Set(bankIds)].sort().join(",");
}

/**
 * Runs fn as one request: until `narrowRequestScope` is called in it, its statements see every
 * bank (authentication reads the viewer's memberships in every bank).
 */
export function runRequestScope<T>(fn: () => T): T {
  return runIn({ setting: EVERY_BANK }, fn);
}

/**
 * storage.run, but a lazy thenable that fn returns (a PrismaPromise sends its query only when
 * then() is called) is started inside the scope, not by the caller's await outside it.
 */
function runIn<T>(holder: ScopeHolder, fn: () => T): T {
  return storage.run(holder, () => {
    const result = fn();
    if (result && typeof (result as { then?: unknown }).then === "function") {
      const lazy = result as unknown as PromiseLike<unknown>;
      return new Promise((resolve, reject) => lazy.then(resolve, reject)) as T;
    }
    return result;
  });
}

/** Narrows the current request (see runRequestScope) to these banks; no-op outside a request. */
export function narrowRequestScope(bankIds: readonly string[] | typeof EVERY_BANK): void {
  const holder = storage.getStore();
  if (holder) holder.setting = bankScopeSetting(bankIds);
}

/**
 * Adds banks to the current request's scope (no-op outside a request, or when it sees every
 * bank): for a mutation after which the viewer may read a bank they could not before (applying
 * to join it), so that the rest of the same request's answer can be read.
 */
export function widenRequestScope(bankIds: readonly string[]): void {
  const holder = storage.getStore();
  if (!holder || holder.setting === EVERY_BANK || holder.setting === SELF_SCOPED) return;
  holder.setting = bankScopeSetting([...holder.setting.split(",").filter(Boolean), ...bankIds]);
}

/**
 * Runs fn, whose statements narrow their own transactions first (ledger_post_transfers,
 * ledger_post_batch), on any connection as it is set: no setting is sent for them.
 */
export function selfScoped<T>(fn: () => T): T {
  return runIn({ setting: SELF_SCOPED }, fn);
}

/** Runs fn with a scope read earlier by currentBankScope() (work grouped by scope, see coalesce.ts). */
export function withScopeSetting<T>(setting: string, fn: () => T): T {
  return runIn({ setting }, fn);
}

/** Runs fn with the given banks in scope (tests, and reads limited to known banks). */
export function withBankScope<T>(bankIds: readonly string[] | typeof EVERY_BANK, fn: () => T): T {
  return runIn({ setting: bankScopeSetting(bankIds) }, fn);
}

/**
 * Runs fn with every bank in scope: background work started from a request (the outbox relay,
 * expiry, statistics refreshes) and reads the access rules make public to anyone.
 */
export function everyBank<T>(fn: () => T): T {
  return runIn({ setting: EVERY_BANK }, fn);
}

const SCOPE = Symbol("timebank.bank_ids");
type ScopedClient = pg.PoolClient & { [SCOPE]?: string };

async function ensureScope(client: ScopedClient, setting: string): Promise<void> {
  // A new connection starts with '*' (the pool's startup options).
  if (setting === SELF_SCOPED || (client[SCOPE] ?? EVERY_BANK) === setting) return;
  await client.query("SELECT set_config('timebank.bank_ids', $1, false)", [setting]);
  client[SCOPE] = setting;
}

/**
 * The application's pool: hands out connections whose session setting is the caller's scope.
 * The scope is read when query() or connect() is called, in the caller's async context (pg-pool
 * may complete a waiting connect() from another request's release, in that request's context).
 * A transaction's connection is set before its BEGIN, so its own set_config(..., true) wins
 * inside it and nothing is reset at its end.
 */
export class BankScopedPool extends pg.Pool {
  /** Session settings sent (for tests and benchmarks). */
  scopeSwitches = 0;

  private async scopedConnect(setting: string): Promise<ScopedClient> {
    const client = (await super.connect()) as ScopedClient;
    try {
      if (setting !== SELF_SCOPED && (client[SCOPE] ?? EVERY_BANK) !== setting) this.scopeSwitches++;
      await ensureScope(client, setting);
    } catch (err) {
      client.release(err as Error);
      throw err;
    }
    return client;
  }

  // Prisma's adapter uses the promise forms; callback forms (none here) keep pg-pool's behaviour
  // and are given a connection set for the caller's scope all the same.
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(
    callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void,
  ): Promise<pg.PoolClient> | void {
    const connected = this.scopedConnect(currentBankScope());
    if (!callback) return connected;
    connected.then(
      (client) => callback(undefined, client, (release?: unknown) => client.release(release as Error | undefined)),
      (err) => callback(err, undefined, () => {}),
    );
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(config: any, values?: any, callback?: any): any {
    if (typeof values === "function") {
      callback = values;
      values = undefined;
    }
    const done = this.scopedConnect(currentBankScope()).then(async (client) => {
      try {
        const result = await client.query(config, values);
        client.release();
        return result;
      } catch (err) {
        // As pg-pool's own query(): a connection that failed a statement is not reused.
        client.release(err as Error);
        throw err;
      }
    });
    if (!callback) return done;
    done.then(
      (result) => callback(undefined, result),
      (err) => callback(err),
    );
  }
}

interface PrismaBatchRequest {
  [SCOPE]?: ScopeHolder | undefined;
}
interface PrismaDataLoaderOptions {
  batchBy(request: PrismaBatchRequest): string | undefined;
  singleLoader(request: PrismaBatchRequest): Promise<unknown>;
  batchLoader(requests: PrismaBatchRequest[]): Promise<unknown>;
}

/**
 * Keeps each Prisma operation in the scope of the request that made it, through Prisma's
 * batching of findUnique calls (see the WARNING above): the scope joins the batch key, and each
 * batch runs in its callers' scope. Throws when the Prisma client does not have the internals
 * this relies on (a Prisma upgrade must then revisit it).
 */
export function keepBankScopeThroughBatching(prisma: object): void {
  const options = (prisma as { _requestHandler?: { dataloader?: { options?: PrismaDataLoaderOptions } } })._requestHandler?.dataloader
    ?.options;
  if (
    !options ||
    typeof options.batchBy !== "function" ||
    typeof options.singleLoader !== "function" ||
    typeof options.batchLoader !== "function"
  ) {
    throw new Error(
      "this Prisma client has no request batching internals to scope by bank: check src/db/bank-scope.ts against the Prisma version",
    );
  }
  const { batchBy, singleLoader, batchLoader } = options;
  const inScope = <T>(holder: ScopeHolder | undefined, fn: () => T): T => runIn(holder ?? { setting: EVERY_BANK }, fn);
  options.batchBy = (request) => {
    // Called synchronously by the caller of the operation: its context is the right one.
    const holder = storage.getStore();
    request[SCOPE] = holder;
    const key = batchBy.call(options, request);
    return key === undefined ? undefined : `${holder?.setting ?? EVERY_BANK}\u0000${key}`;
  };
  options.singleLoader = (request) => inScope(request[SCOPE], () => singleLoader.call(options, request));
  options.batchLoader = (requests) => inScope(requests[0]?.[SCOPE], () => batchLoader.call(options, requests));
}
