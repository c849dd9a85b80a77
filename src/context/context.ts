// The request context: built once per request (HTTP) or per operation (WebSocket), immutable.
// Services take it first; the bank they work in comes from a BankContext derived from it.
import { randomUUID } from "node:crypto";
import type { Config } from "../config";
import type { Clock } from "../common/clock";
import type { Logger } from "../common/logger";
import type { RateLimiter } from "../common/rate-limit";
import { unauthenticated } from "../common/errors";
import type { Database, Db } from "../db/database";
import { scopeTransactionToBanks } from "../db/row-security";
import { EVERY_BANK, narrowRequestScope } from "../db/bank-scope";
import type { Timebank } from "../generated/prisma/client";
import type { MembershipRole, MembershipStatus } from "../generated/prisma/enums";
import type { TokenVerifier } from "../modules/auth/token";
import type { EventsRuntime } from "../modules/events/events.runtime";
import type { LoaderFactory, Loaders } from "../modules/loaders";
import type { ReadCache } from "./read-cache";
import type { PostingBatcher } from "../modules/ledger/ledger.batch";
import { viewerRows, type Coalescer, type ViewerRow } from "./coalesce";

/** Everything long-lived the server holds: built once at start-up. */
export interface App {
  config: Config;
  database: Database;
  clock: Clock;
  log: Logger;
  authSecret: string;
  /** Checks bearer tokens signed with authSecret (remembers the signatures it has checked). */
  tokens: TokenVerifier;
  rateLimiter: RateLimiter;
  /** Real-time events: the pub/sub, the outbox relay, the per-event access check. */
  events: EventsRuntime;
  /** Viewers, banks and categories for reads, for a few seconds; see read-cache.ts. */
  readCache: ReadCache;
  /** Group commit of the ledger's postings; see modules/ledger/ledger.batch.ts. */
  postings: PostingBatcher;
  /** Fresh reads (viewers, banks, accounts) shared by requests arriving together; see coalesce.ts. */
  coalesce: Coalescer;
  /** Makes a request's (or a transaction's) DataLoaders: src/modules/loaders.ts, handed in by app.ts. */
  createLoaders: LoaderFactory;
}

export interface ViewerMembership {
  timebankId: string;
  membershipId: string;
  role: MembershipRole;
  status: MembershipStatus;
}

export interface Viewer {
  personId: string;
  isPlatformAdmin: boolean;
  /** Of the national umbrella body: reads anonymised cross-bank statistics (granted by a platform admin). */
  isUmbrella: boolean;
  memberships: ViewerMembership[];
  /**
   * Banks whose rows this viewer's requests may read, for row-level security (src/db/bank-scope.ts):
   * the banks of their memberships (whatever the status: an applicant reads their application)
   * and of the institutions they act for (a delegate approves transfers of members their
   * institution supervises), and the federation partners of all those banks (an inter-bank
   * transfer names its recipient in the other bank). The services' rules decide what of it they see.
   */
  readableBankIds: string[];
}

export interface RequestContext {
  readonly app: App;
  /** Prisma client, or the transaction client inside `inTransaction`. */
  readonly db: Db;
  readonly viewer: Viewer | null;
  readonly loaders: Loaders;
  /** The app's read cache when this request can only read; null for mutations and subscriptions. */
  readonly readCache: ReadCache | null;
  readonly log: Logger;
  readonly requestId: string;
  readonly clock: Clock;
  /** The client's address (from X-Forwarded-For only when TRUST_PROXY is on), for rate limits. */
  readonly clientIp: string;
  /**
   * Runs fn once the current transaction has committed (at once outside a transaction, where
   * every statement commits by itself); never if it rolls back. E.g. "publish the events just recorded".
   */
  readonly afterCommit: (fn: () => void) => void;
}

/** A request context narrowed to one bank: the bank was resolved once, by slug or id, here. */
export interface BankContext extends RequestContext {
  readonly bank: Timebank;
  /** The viewer's membership in this bank, if any. */
  readonly membership: ViewerMembership | null;
}

/** The tenant filter every bank-owned query of a service starts from (docs/architecture.md "Tenancy rules"). */
export const inBank = (ctx: BankContext) => ({ timebankId: ctx.bank.id });

/**
 * The person and their memberships in one statement (every request that is not served from the
 * read cache pays for it; Prisma's nested select would send two).
 */
export async function loadViewer(db: Db, personId: string): Promise<Viewer | null> {
  const [row] = await viewerRows(db, [personId]);
  return viewerOf(row);
}

/** A viewer row as a Viewer; null for no one (unknown, or erased). */
export function viewerOf(person: ViewerRow | null): Viewer | null {
  // A person who asked to be forgotten is no one: their sessions end with the erasure.
  if (!person || person.erasedAt) return null;
  const memberships = typeof person.memberships === "string" ? JSON.parse(person.memberships) : person.memberships;
  const others =
    typeof person.readable === "string" ? person.readable.replace(/[{}]/g, "").split(",").filter(Boolean) : (person.readable ?? []);
  return {
    personId: person.id,
    isPlatformAdmin: person.isPlatformAdmin,
    isUmbrella: person.isUmbrella,
    memberships: (
      memberships as { timebankId: string; id: string; role: ViewerMembership["role"]; status: ViewerMembership["status"] }[]
    ).map((m) => ({
      timebankId: m.timebankId,
      membershipId: m.id,
      role: m.role,
      status: m.status,
    })),
    readableBankIds: [...new Set([...(memberships as { timebankId: string }[]).map((m) => m.timebankId), ...others])].sort(),
  };
}

/**
 * What the request's statements outside transactions may see under row-level security: every
 * bank for platform admins (they administer banks: create them, appoint their first admins),
 * the viewer's readable banks otherwise, none for an anonymous request (the public directory's
 * reads run with every bank on purpose, see timebank.loaders.ts).
 */
export function requestBankScope(viewer: Viewer | null): readonly string[] | typeof EVERY_BANK {
  if (!viewer) return [];
  if (viewer.isPlatformAdmin) return EVERY_BANK;
  return viewer.readableBankIds;
}

/** Reads the bearer token (if any) and builds the context. A bad token is an error, not an anonymous request. */
export interface RequestInfo {
  authorization?: string;
  requestId?: string;
  clientIp?: string;
  /** The request can only read (see isReadOnlyRequest): it may use the read cache. */
  readOnly?: boolean;
}

export async function buildContext(app: App, info: RequestInfo = {}): Promise<RequestContext> {
  const { authorization } = info;
  let viewer: Viewer | null = null;
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated("the Authorization header must be 'Bearer <token>'");
    const check = app.tokens.verify(match[1], app.clock.now());
    if (!check.ok) {
      throw unauthenticated(check.reason === "expired" ? "your session has expired: log in again" : "invalid token: log in again");
    }
    const personId = check.claims.sub;
    // Fresh, in one statement with the viewers of the other requests arriving now (coalesce.ts).
    const load = async () => viewerOf(await app.coalesce.viewers.load(personId));
    viewer = info.readOnly && app.readCache.enabled ? await app.readCache.viewer(match[1], load) : await load();
    if (!viewer) throw unauthenticated("invalid token: log in again");
  }
  // From here on, this request's statements see only the banks it may read (on PostgreSQL).
  narrowRequestScope(requestBankScope(viewer));
  return makeContext(app, viewer, info.requestId ?? randomUUID(), info.clientIp ?? "unknown", info.readOnly ?? false);
}

export function makeContext(app: App, viewer: Viewer | null, requestId: string, clientIp = "unknown", readOnly = false): RequestContext {
  const db = app.database.prisma;
  const readCache = readOnly && app.readCache.enabled ? app.readCache : null;
  return Object.freeze({
    app,
    db,
    viewer,
    loaders: app.createLoaders(db, readCache, app.coalesce),
    readCache,
    log: app.log.child({ reqId: requestId }),
    requestId,
    clock: app.clock,
    clientIp,
    afterCommit: (fn: () => void) => fn(),
  });
}

/**
 * Runs fn in one database transaction with a derived context bound to it (fresh loaders, so
 * nothing read outside the transaction is reused inside it). A transaction for one bank (a
 * BankContext) is limited to that bank by row-level security on PostgreSQL.
 */
export async function inTransaction<C extends RequestContext, T>(ctx: C, fn: (tx: C) => Promise<T>): Promise<T> {
  if (!("$transaction" in ctx.db)) return fn(ctx); // already inside one
  const committed: (() => void)[] = [];
  const bank = (ctx as Partial<BankContext>).bank;
  const result = await (ctx.db as Db).$transaction(async (tx) => {
    const txDb = tx as unknown as Db;
    if (bank && ctx.app.database.rowSecurity) await scopeTransactionToBanks(txDb, [bank.id]);
    return fn(
      Object.freeze({
        ...ctx,
        db: txDb,
        loaders: ctx.app.createLoaders(txDb, null),
        readCache: null as ReadCache | null,
        afterCommit: (hook: () => void) => void committed.push(hook),
      }),
    );
  });
  // Whatever the transaction changed (a membership, a bank, a category) is read fresh from now on.
  ctx.app.readCache.invalidate();
  for (const hook of committed) {
    try {
      hook();
    } catch (err) {
      ctx.log.error({ err }, "after-commit hook failed");
    }
  }
  return result;
}

export function requireViewer(ctx: RequestContext): Viewer {
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}

export function bankContext(ctx: RequestContext, bank: Timebank): BankContext {
  const membership = ctx.viewer?.memberships.find((m) => m.timebankId === bank.id) ?? null;
  return Object.freeze({ ...ctx, bank, membership });
}
