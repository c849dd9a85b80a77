// The ledger's moving parts at the database level: guarded atomic UPDATEs of balances and
// reservations (taken in account-id order), the transaction wrapper that retries on
// serialization failures and deadlocks, and the refusals that roll a transaction back.
//
// WARNING: every change of an account's minutes goes through this file, either here or in the
// ledger_post_transfers SQL function it calls (migration 20261128203000_ledger_post_transfers,
// the path of every new transfer of the ledger service). The WHERE clauses are the limit checks
// (ledger rule 2); the CHECK constraints of the ledger migration are the safety net behind them.
// Keep all of them, and the refusal messages, in step with ledger.rules.ts.
import type { Prisma, Account, Transfer } from "../../generated/prisma/client";
import { Prisma as P } from "../../generated/prisma/client";
import type { ErrorResult } from "../../common/errors";
import { errorResult } from "../../common/errors";
import type { BankContext } from "../../context/context";
import { scopeTransactionToBanks } from "../../db/row-security";
import type { Db } from "../../db/database";
import { availableMinutes, roomMinutes } from "./ledger.rules";
import { AccountNotActive, AlreadyReversed, CeilingExceeded, InsufficientBalance, NotAllowed, SameAccount } from "./ledger.type";

export type Tx = Prisma.TransactionClient;

/** An expected refusal found inside a transaction: thrown to roll it back, returned as a typed result. */
export class LedgerRefusal extends Error {
  constructor(readonly result: ErrorResult) {
    super(result.message);
  }
}

export function refuse(result: ErrorResult): never {
  throw new LedgerRefusal(result);
}

/** The refusals a transfer-creating request can get, by class name, to keep them under its key. */
const REFUSAL_TYPES: Record<string, new () => ErrorResult> = {
  InsufficientBalance,
  CeilingExceeded,
  SameAccount,
  AccountNotActive,
  NotAllowed,
  AlreadyReversed,
};

/** Other modules' refusals that go through the ledger's transfer creation (federation's caps). */
export function registerRefusalTypes(...types: Array<new () => ErrorResult>): void {
  for (const Type of types) REFUSAL_TYPES[Type.name] = Type;
}

export function storedRefusal(result: ErrorResult): Prisma.InputJsonObject {
  const type = result.constructor.name;
  if (!REFUSAL_TYPES[type]) throw new Error(`refusal type ${type} cannot be stored`);
  return { type, fields: { ...result } as unknown as Prisma.InputJsonObject };
}

export function restoreRefusal(stored: Prisma.JsonValue): ErrorResult {
  const { type, fields } = stored as { type: string; fields: Record<string, unknown> };
  const Type = REFUSAL_TYPES[type];
  if (!Type) throw new Error(`stored refusal of unknown type ${type}`);
  return Object.assign(new Type(), fields);
}

const RETRYABLE_SQLSTATE = new Set(["40001", "40P01"]);

/** Prisma's own error codes (P1000..P6999); PostgreSQL's PL/pgSQL class is P0 (P0001 raise_exception and its siblings). */
const PRISMA_CODE = /^P[1-9][0-9]{3}$/;
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * Finds the SQLSTATE PostgreSQL gave, wherever the error that reached us keeps it. The shapes met:
 * - pg's DatabaseError and our PostingError: `code`;
 * - a driver adapter's DriverAdapterError: `cause.originalCode` (with `cause.kind`);
 * - Prisma 7 over a driver adapter: PrismaClientKnownRequestError whose own `code` is Prisma's
 *   (P2010 for any failed raw query, P2034 for a write conflict) and whose
 *   `meta.driverAdapterError.cause.originalCode` is PostgreSQL's.
 * A Prisma code is never taken for a SQLSTATE; the database's code, where present, wins over
 * any wrapper's.
 */
export function sqlStateOf(err: unknown): string | null {
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): string | null => {
    if (!value || typeof value !== "object" || seen.has(value) || depth > 6) return null;
    seen.add(value);
    const o = value as Record<string, unknown>;
    if (typeof o.originalCode === "string" && SQLSTATE.test(o.originalCode)) return o.originalCode;
    // What it wraps first: the innermost error is the database's.
    for (const key of ["meta", "driverAdapterError", "cause", "originalError"]) {
      const found = visit(o[key], depth + 1);
      if (found) return found;
    }
    const c = o.code;
    if (typeof c === "string" && SQLSTATE.test(c) && !PRISMA_CODE.test(c)) return c;
    return null;
  };
  const state = visit(err, 0);
  if (state) return state;
  const message = err instanceof Error ? err.message : String(err);
  if (/deadlock detected/i.test(message)) return "40P01";
  if (/could not serialize access/i.test(message)) return "40001";
  return null;
}

/** A driver adapter's classification of a failure, where it made one (e.g. "TransactionWriteConflict"). */
function adapterKindOf(err: unknown): string | null {
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): string | null => {
    if (!value || typeof value !== "object" || seen.has(value) || depth > 6) return null;
    seen.add(value);
    const o = value as Record<string, unknown>;
    if (typeof o.kind === "string" && o.kind !== "postgres") return o.kind;
    for (const key of ["meta", "driverAdapterError", "cause"]) {
      const found = visit(o[key], depth + 1);
      if (found) return found;
    }
    return null;
  };
  return visit(err, 0);
}

/**
 * Worth running the whole transaction again: a serialization failure or a deadlock (in whatever
 * error wraps it), a unique violation from a concurrent request with the same idempotency key or
 * reversing the same transfer (the retry finds the winner's row), or Prisma giving up on an
 * interactive transaction while waiting for a connection.
 */
export function isRetryable(err: unknown): boolean {
  const state = sqlStateOf(err);
  if (state !== null && (RETRYABLE_SQLSTATE.has(state) || state === "23505")) return true;
  if (adapterKindOf(err) === "TransactionWriteConflict") return true;
  return err instanceof P.PrismaClientKnownRequestError && ["P2034", "P2002", "P2028"].includes(err.code);
}

export const MAX_ATTEMPTS = 8;

/** Jittered backoff before attempt + 1, so that colliding transactions do not collide again in step. */
export function backoffMs(attempt: number): number {
  return Math.random() * 5 * 2 ** attempt;
}

/**
 * Runs fn in its own transaction, retrying a bounded number of times on retryable failures
 * (ledger rule 7). A LedgerRefusal rolls back and becomes the result.
 */
export async function retrying<T>(
  db: Db,
  fn: (tx: Db) => Promise<T>,
  onRetry: (attempt: number, err: unknown) => void = () => {},
): Promise<T | ErrorResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction((tx) => fn(tx as unknown as Db), { maxWait: 20_000, timeout: 20_000 });
    } catch (err) {
      if (err instanceof LedgerRefusal) return err.result;
      if (attempt >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
      onRetry(attempt, err);
      await new Promise((r) => setTimeout(r, backoffMs(attempt)));
    }
  }
}

/**
 * `retrying` with a context derived for the transaction (fresh loaders bound to it). On
 * PostgreSQL each attempt first narrows its transaction by row-level security to the context's
 * bank and `otherBanks` (cross-bank work names every bank it touches: both banks of an
 * inter-bank transfer or of a partnership), like inTransaction: a statement in it that forgets
 * its bank filter cannot see or change any other bank.
 */
export async function ledgerTransaction<C extends BankContext, T>(
  ctx: C,
  fn: (tx: C) => Promise<T>,
  otherBanks: readonly string[] = [],
): Promise<T | ErrorResult> {
  if (!("$transaction" in ctx.db)) throw new Error("ledgerTransaction must start outside any transaction so that it can retry");
  const banks = [...new Set([ctx.bank.id, ...otherBanks])];
  const narrow = ctx.app.database.rowSecurity;
  // Hooks registered in the attempt that commits run after it (e.g. publishing the events the
  // transaction recorded); those of attempts that rolled back are dropped.
  let hooks: (() => void)[] = [];
  const result = await retrying(
    ctx.db as Db,
    async (txDb) => {
      hooks = [];
      if (narrow) await scopeTransactionToBanks(txDb, banks);
      return fn(
        Object.freeze({ ...ctx, db: txDb, loaders: ctx.app.createLoaders(txDb), afterCommit: (hook: () => void) => void hooks.push(hook) }),
      );
    },
    (attempt, err) => ctx.log.debug({ attempt, sqlState: sqlStateOf(err) }, "ledger transaction retried"),
  );
  for (const hook of hooks) {
    try {
      hook();
    } catch (err) {
      ctx.log.error({ err }, "after-commit hook failed");
    }
  }
  return result;
}

/**
 * Lock order of the ledger (ledger rule 7; docs/ledger.md "Lock order"). Every path that changes
 * accounts takes its locks in this order, so no two of them wait on each other in a cycle:
 *   1. idempotency keys: advisory lock ledger_key_lock_id(bank, key), in the order of the lock ids;
 *   2. the one thing being decided: a reversal's per-transfer advisory lock, an InterBankTransfer
 *      row, (a PENDING Transfer is decided only after 4, see decideTransfer);
 *   3. institution memberships (caps), by (bank, id);
 *   4. accounts, by (bank, id) across banks (PostgreSQL's uuid order is the order of their
 *      lower-case text, which is what this function sorts by);
 *   5. then rows written under those locks: Transfer rows (inserted, or a PENDING one decided),
 *      their sequence numbers, outbox events.
 * Taking a lock already held is free, so a function may lock again what its caller locked.
 */
export async function lockAccountsInOrder(tx: Tx, accounts: ReadonlyArray<{ timebankId: string; id: string }>): Promise<void> {
  const key = (a: { timebankId: string; id: string }) => `${a.timebankId.toLowerCase()}:${a.id.toLowerCase()}`;
  const sorted = [...new Map(accounts.map((a) => [key(a), a])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, a]) => a);
  for (const a of sorted) {
    await tx.$queryRaw`SELECT 1 AS locked FROM "Account" WHERE "timebankId" = ${a.timebankId}::uuid AND "id" = ${a.id}::uuid FOR UPDATE`;
  }
}

/** Step 1 of the lock order: the idempotency key's lock, the same one ledger_post_transfers takes. */
export async function lockIdempotencyKey(tx: Tx, timebankId: string, key: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(ledger_key_lock_id(${timebankId}::uuid, ${key}))`;
}

/** Explains why a guarded UPDATE matched no row, as the typed result the client gets. */
async function refusalFor(
  tx: Tx,
  timebankId: string,
  accountId: string,
  side: "out" | "in",
  minutes: number,
  requireActive: boolean,
): Promise<never> {
  const a = await tx.account.findUniqueOrThrow({ where: { timebankId_id: { timebankId, id: accountId } } });
  if (requireActive && a.status !== "ACTIVE") {
    refuse(
      errorResult(AccountNotActive, "ACCOUNT_NOT_ACTIVE", "this account is closed and takes part in no new transfer", {
        accountId,
        accountStatus: a.status,
      }),
    );
  }
  if (side === "out") {
    refuse(
      errorResult(
        InsufficientBalance,
        "INSUFFICIENT_BALANCE",
        `this would take the account below its limit: ${availableMinutes(a)} of the ${minutes} minutes are available`,
        {
          accountId,
          availableMinutes: availableMinutes(a),
          requestedMinutes: minutes,
        },
      ),
    );
  }
  refuse(
    errorResult(
      CeilingExceeded,
      "CEILING_EXCEEDED",
      `this would take the account above its ceiling: it can receive ${roomMinutes(a)} more minutes, not ${minutes}`,
      {
        accountId,
        roomMinutes: roomMinutes(a),
        requestedMinutes: minutes,
      },
    ),
  );
}

/**
 * Posts net balance changes at once, one guarded UPDATE per account in id order. Each UPDATE
 * changes the row only if the account stays within floor and ceiling counting its reservations.
 */
export async function postDeltas(
  tx: Tx,
  timebankId: string,
  deltas: Array<{ accountId: string; delta: number }>,
  now: Date,
  opts: { requireActive: boolean },
): Promise<void> {
  for (const { accountId, delta } of deltas) {
    const rows = opts.requireActive
      ? await tx.$queryRaw<{ id: string }[]>`
          UPDATE "Account" SET "balanceMinutes" = "balanceMinutes" + ${delta}::int, "updatedAt" = ${now}
          WHERE "timebankId" = ${timebankId}::uuid AND "id" = ${accountId}::uuid AND "status" = 'ACTIVE'
            AND "balanceMinutes" + ${delta}::int - "pendingOutMinutes" >= "floorMinutes"
            AND "balanceMinutes" + ${delta}::int + "pendingInMinutes" <= "ceilingMinutes"
          RETURNING "id"`
      : await tx.$queryRaw<{ id: string }[]>`
          UPDATE "Account" SET "balanceMinutes" = "balanceMinutes" + ${delta}::int, "updatedAt" = ${now}
          WHERE "timebankId" = ${timebankId}::uuid AND "id" = ${accountId}::uuid
            AND "balanceMinutes" + ${delta}::int - "pendingOutMinutes" >= "floorMinutes"
            AND "balanceMinutes" + ${delta}::int + "pendingInMinutes" <= "ceilingMinutes"
          RETURNING "id"`;
    if (rows.length !== 1) await refusalFor(tx, timebankId, accountId, delta < 0 ? "out" : "in", Math.abs(delta), opts.requireActive);
  }
}

/** Reserves a PENDING transfer's minutes on both accounts (payer's available, receiver's room), in id order. */
export async function reserveTransfer(
  tx: Tx,
  timebankId: string,
  leg: { debitAccountId: string; creditAccountId: string; minutes: number },
  now: Date,
): Promise<void> {
  const sides = [
    { accountId: leg.debitAccountId, side: "out" as const },
    { accountId: leg.creditAccountId, side: "in" as const },
  ].sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
  for (const { accountId, side } of sides) {
    const m = leg.minutes;
    const rows =
      side === "out"
        ? await tx.$queryRaw<{ id: string }[]>`
            UPDATE "Account" SET "pendingOutMinutes" = "pendingOutMinutes" + ${m}::int, "updatedAt" = ${now}
            WHERE "timebankId" = ${timebankId}::uuid AND "id" = ${accountId}::uuid AND "status" = 'ACTIVE'
              AND "balanceMinutes" - "pendingOutMinutes" - ${m}::int >= "floorMinutes"
            RETURNING "id"`
        : await tx.$queryRaw<{ id: string }[]>`
            UPDATE "Account" SET "pendingInMinutes" = "pendingInMinutes" + ${m}::int, "updatedAt" = ${now}
            WHERE "timebankId" = ${timebankId}::uuid AND "id" = ${accountId}::uuid AND "status" = 'ACTIVE'
              AND "balanceMinutes" + "pendingInMinutes" + ${m}::int <= "ceilingMinutes"
            RETURNING "id"`;
    if (rows.length !== 1) await refusalFor(tx, timebankId, accountId, side, m, true);
  }
}

/**
 * Decides a PENDING transfer exactly once (ledger rule 5): the guarded status change succeeds
 * for one caller only; it then lands (POSTED) or releases (VOIDED) the reservations. Returns
 * null when the transfer was no longer PENDING.
 */
export async function decideTransfer(
  tx: Tx,
  timebankId: string,
  transferId: string,
  decision: { status: "POSTED" | "VOIDED"; decidedById: string | null; voidReason?: string | null },
  now: Date,
): Promise<Transfer | null> {
  // Lock order (docs/ledger.md): the accounts first, then the decision. The accounts of a
  // transfer never change, so they can be read before its row is locked. Holding them while the
  // status changes also puts the transfer's postedSeq (drawn by the status change's trigger)
  // after every earlier change of the two balances: commit order.
  const [named] = await tx.$queryRaw<{ debitAccountId: string; creditAccountId: string }[]>`
    SELECT "debitAccountId", "creditAccountId" FROM "Transfer" WHERE "timebankId" = ${timebankId}::uuid AND "id" = ${transferId}::uuid`;
  if (!named) return null;
  await lockAccountsInOrder(tx, [
    { timebankId, id: named.debitAccountId },
    { timebankId, id: named.creditAccountId },
  ]);
  const decided =
    decision.status === "POSTED"
      ? await tx.$queryRaw<Transfer[]>`
          UPDATE "Transfer" SET "status" = 'POSTED', "postedAt" = ${now}, "decidedAt" = ${now}, "decidedById" = ${decision.decidedById}::uuid
          WHERE "timebankId" = ${timebankId}::uuid AND "id" = ${transferId}::uuid AND "status" = 'PENDING'
          RETURNING *`
      : await tx.$queryRaw<Transfer[]>`
          UPDATE "Transfer" SET "status" = 'VOIDED', "decidedAt" = ${now}, "decidedById" = ${decision.decidedById}::uuid, "voidReason" = ${decision.voidReason ?? null}
          WHERE "timebankId" = ${timebankId}::uuid AND "id" = ${transferId}::uuid AND "status" = 'PENDING'
          RETURNING *`;
  if (decided.length !== 1) return null;
  const t = decided[0];
  const m = t.minutes;
  const sides = [
    { accountId: t.debitAccountId, side: "out" as const },
    { accountId: t.creditAccountId, side: "in" as const },
  ].sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
  for (const { accountId, side } of sides) {
    // Landing or releasing a reservation needs no limit check: the reservation already counted.
    const landed = decision.status === "POSTED" ? (side === "out" ? -m : m) : 0;
    const count =
      side === "out"
        ? await tx.$executeRaw`
            UPDATE "Account" SET "balanceMinutes" = "balanceMinutes" + ${landed}::int, "pendingOutMinutes" = "pendingOutMinutes" - ${m}::int, "updatedAt" = ${now}
            WHERE "timebankId" = ${timebankId}::uuid AND "id" = ${accountId}::uuid`
        : await tx.$executeRaw`
            UPDATE "Account" SET "balanceMinutes" = "balanceMinutes" + ${landed}::int, "pendingInMinutes" = "pendingInMinutes" - ${m}::int, "updatedAt" = ${now}
            WHERE "timebankId" = ${timebankId}::uuid AND "id" = ${accountId}::uuid`;
    if (count !== 1) throw new Error(`account ${accountId} of pending transfer ${t.id} is missing`);
  }
  return t;
}

export type NewTransfer = Omit<Prisma.TransferCreateManyInput, "timebankId">;

export async function insertTransfers(tx: Tx, timebankId: string, rows: NewTransfer[]): Promise<Transfer[]> {
  const created = await tx.transfer.createManyAndReturn({ data: rows.map((r) => ({ ...r, timebankId })) });
  return created.sort((a, b) => a.legIndex - b.legIndex);
}

/** One leg for ledger_post_transfers: its id is chosen here so that its events can name it. */
export interface PostingLeg {
  id: string;
  kind: Transfer["kind"];
  status: "POSTED" | "PENDING";
  debitAccountId: string;
  creditAccountId: string;
  minutes: number;
  memo: string;
  relatedPostId: string | null;
  reversesTransferId: string | null;
}

export interface Posting {
  timebankId: string;
  key: string;
  requestHash: string;
  createdById: string;
  now: Date;
  groupId: string | null;
  /** Closed accounts take part in nothing new, except corrections (reversals). */
  requireActive: boolean;
  legs: PostingLeg[];
  /** Outbox rows (events.service outboxRow) written with the legs, only when they are written. */
  events: object[];
  /** A refusal decided before the call; kept under the key if the key is new. */
  refusal: ErrorResult | null;
}

export type PostingOutcome =
  { outcome: "created" | "existing"; transfers: Transfer[] } | { outcome: "refused"; refusal: ErrorResult } | { outcome: "reused" };

/** A Transfer row as to_jsonb wrote it (timestamps as ISO strings). */
function transferFromJson(row: Record<string, unknown>): Transfer {
  const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return { ...(row as unknown as Transfer), createdAt: date(row.createdAt)!, postedAt: date(row.postedAt), decidedAt: date(row.decidedAt) };
}

const asJson = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

/**
 * Creates transfers under an idempotency key in one round trip: the SQL function
 * ledger_post_transfers (migration 20261128203000) takes the key's lock, answers a retry with
 * the key's first result, checks and moves the accounts in id order with guarded UPDATEs,
 * inserts the legs and their outbox events, or stores and returns the refusal. Outside a
 * transaction it is a single statement in its own transaction (use postTransfers, which
 * retries); inside one (postTransfersOnce) it commits or rolls back with the caller's work.
 */
export async function postTransfersOnce(db: Db | Tx, p: Posting): Promise<PostingOutcome> {
  const a = postingArguments(p);
  const [row] = await db.$queryRaw<PostingRow[]>`
    SELECT outcome, result FROM ledger_post_transfers(
      ${a.timebankId}::uuid, ${a.key}, ${a.hash}, ${a.createdBy}::uuid, ${a.now}::timestamptz, ${a.groupId}::uuid,
      ${a.requireActive}, ${JSON.stringify(a.legs)}::jsonb, ${JSON.stringify(a.events)}::jsonb, ${a.refusal === null ? null : JSON.stringify(a.refusal)}::jsonb)`;
  return postingOutcome(row);
}

/** What ledger_post_transfers answers (and ledger_post_batch, per posting). */
export interface PostingRow {
  /** "failed": the posting wrote nothing; result is { state, message } (migration 20261129050000). */
  outcome: PostingOutcome["outcome"] | "failed";
  result: unknown;
}

/** An error PostgreSQL raised or answered for one posting (its SQLSTATE in `code`, like pg's errors). */
export class PostingError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "PostingError";
  }
}

/** A posting as the SQL functions take it (ledger_post_batch reads these names from JSON). */
export function postingArguments(p: Posting) {
  return {
    timebankId: p.timebankId,
    key: p.key,
    hash: p.requestHash,
    createdBy: p.createdById,
    now: p.now.toISOString(),
    groupId: p.groupId,
    requireActive: p.requireActive,
    legs: p.legs,
    events: p.events,
    refusal: p.refusal ? storedRefusal(p.refusal) : null,
  };
}

export function postingOutcome(row: PostingRow): PostingOutcome {
  switch (row.outcome) {
    case "created":
    case "existing":
      return { outcome: row.outcome, transfers: (asJson(row.result) as Record<string, unknown>[]).map(transferFromJson) };
    case "refused":
      return { outcome: "refused", refusal: restoreRefusal(asJson(row.result) as Prisma.JsonValue) };
    case "reused":
      return { outcome: "reused" };
    case "failed": {
      const { state, message } = (asJson(row.result) ?? {}) as { state?: string; message?: string };
      throw new PostingError(state ?? "XX000", message ?? "posting failed");
    }
    default:
      throw new Error(`ledger_post_transfers answered ${JSON.stringify(row)}`);
  }
}

/**
 * postTransfersOnce as its own transaction, retried on serialization failures and deadlocks
 * (ledger rule 7), though the fixed lock order makes them unlikely. `db` must not be a
 * transaction client.
 */
export async function postTransfers(db: Db, p: Posting): Promise<PostingOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await postTransfersOnce(db, p);
    } catch (err) {
      if (attempt >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
      await new Promise((r) => setTimeout(r, backoffMs(attempt)));
    }
  }
}

export type { Account, Transfer };
