// Fresh reads shared by concurrent requests. A mutation reads who is asking (the viewer), the
// bank it works in and, for the ledger, the accounts it moves, fresh from the database: a pause,
// a role change or a new bank setting must apply to the very next mutation. Sent one request at
// a time, each of those reads is a round trip and a statement of its own, and under load that is
// most of what the server does. Here the reads of every request that arrives in the same turn of
// the event loop go out as one statement per kind (DataLoader without a cache, scheduled at the
// end of the turn): each request still gets a value read after it arrived, nothing is kept
// after the statement answers, and a request alone costs what it did before.
//
// Only for work outside a transaction: a transaction reads through its own client (loaders bound
// to it), so that it sees its own writes and holds its own locks.
import { isUuid } from "../common/validation";
import DataLoader from "dataloader";
import type { Db } from "../db/database";
import { Prisma, type Account, type Timebank } from "../generated/prisma/client";
import type { MembershipStatus } from "../generated/prisma/enums";
import { byKey } from "../common/keyed";
import { currentBankScope, selfScoped, withScopeSetting } from "../db/bank-scope";

const SCOPE_SEPARATOR = "\u0001";

/** An account with the membership that owns it (the shape the ledger service works with). */
export type AccountWithOwner = Account & { membership: { id: string; personId: string; status: MembershipStatus } | null };

/** A viewer row: the person and their memberships (context.ts turns it into a Viewer). */
export interface ViewerRow {
  id: string;
  isPlatformAdmin: boolean;
  isUmbrella: boolean;
  erasedAt: Date | null;
  memberships: { timebankId: string; id: string; role: string; status: string }[] | string;
  /** Other banks the person's requests may read (see Viewer.readableBankIds), as pg returns a uuid[] cast to text[]. */
  readable: string[] | string | null;
}

/** Most keys per statement; more wait for the next one. */
const MAX_BATCH = 200;

function coalescing<K, V>(load: (keys: readonly K[]) => Promise<(V | null)[]>): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(
    async (keys) => {
      const unique = [...new Set(keys)];
      const values = await load(unique);
      const byUnique = new Map(unique.map((k, i) => [k, values[i]]));
      return keys.map((k) => byUnique.get(k) ?? null);
    },
    { cache: false, maxBatchSize: MAX_BATCH, batchScheduleFn: (send) => setImmediate(send) },
  );
}

/** A coalescing loader whose keys start with the caller's bank scope: each scope's keys are read in one statement, in that scope. */
function scopedCoalescing<V>(load: (keys: readonly string[]) => Promise<(V | null)[]>): DataLoader<string, V | null> {
  return coalescing(async (keys) => {
    const byScope = new Map<string, string[]>();
    for (const key of keys) {
      const cut = key.indexOf(SCOPE_SEPARATOR);
      const scope = key.slice(0, cut);
      byScope.set(scope, [...(byScope.get(scope) ?? []), key.slice(cut + 1)]);
    }
    const found = new Map<string, V | null>();
    await Promise.all(
      [...byScope].map(async ([scope, scoped]) => {
        const rows = await withScopeSetting(scope, () => load(scoped));
        scoped.forEach((k, i) => found.set(scope + SCOPE_SEPARATOR + k, rows[i]));
      }),
    );
    return keys.map((k) => found.get(k) ?? null);
  });
}

/** The people with these ids and their memberships, one statement (see loadViewer). */
export async function viewerRows(db: Db, ids: readonly string[]): Promise<(ViewerRow | null)[]> {
  const valid = ids.filter(isUuid);
  if (!valid.length) return ids.map(() => null);
  // Every bank (row-level security): it finds the banks a request may read, before the request is
  // narrowed to them, and serves several requests in one statement. The function sets '*' for
  // itself (migration 20261129040000), so it runs on any connection as it is set: no set_config
  // round trip between it and the requests' own statements.
  const rows = await selfScoped(() => db.$queryRaw<ViewerRow[]>`SELECT * FROM timebank_viewer_rows(${valid}::uuid[])`);
  return byKey(ids, rows, (r) => r.id);
}

type AccountOwnerRow = Account & { ownerPersonId: string | null; ownerStatus: MembershipStatus | null };

/** The columns of an AccountOwnerRow, from "Account" a joined with its "Membership" m. */
const ACCOUNT_WITH_OWNER = Prisma.sql`a.*, m."personId" AS "ownerPersonId", m."status"::text AS "ownerStatus"`;

function withOwner({ ownerPersonId, ownerStatus, ...account }: AccountOwnerRow): AccountWithOwner {
  return {
    ...account,
    membership:
      account.membershipId && ownerPersonId && ownerStatus
        ? { id: account.membershipId, personId: ownerPersonId, status: ownerStatus }
        : null,
  };
}

/** Member accounts by "<bank id>:<membership id>", with their owners, one statement for all banks. */
export async function memberAccountRows(db: Db, keys: readonly string[]): Promise<(AccountWithOwner | null)[]> {
  const pairs = keys.map((k) => k.split(":")).filter(([b, m]) => isUuid(b ?? "") && isUuid(m ?? ""));
  if (!pairs.length) return keys.map(() => null);
  const rows = await db.$queryRaw<AccountOwnerRow[]>`
    SELECT ${ACCOUNT_WITH_OWNER}
    FROM unnest(${pairs.map((p) => p[0])}::uuid[], ${pairs.map((p) => p[1])}::uuid[]) AS k("bank", "member")
    JOIN "Account" a ON a."timebankId" = k."bank" AND a."membershipId" = k."member"
    JOIN "Membership" m ON m."timebankId" = a."timebankId" AND m."id" = a."membershipId"`;
  return byKey(keys, rows.map(withOwner), (a) => `${a.timebankId}:${a.membershipId}`);
}

/**
 * Member accounts by "<bank slug>:<membership id>", with their owners, one statement: the write
 * path reads them in the same turn as the bank itself, before it knows the bank's id.
 */
export async function memberAccountRowsBySlug(db: Db, keys: readonly string[]): Promise<(AccountWithOwner | null)[]> {
  const pairs = keys.map((k) => [k.slice(0, k.lastIndexOf(":")), k.slice(k.lastIndexOf(":") + 1)]).filter(([, m]) => isUuid(m));
  if (!pairs.length) return keys.map(() => null);
  const rows = await db.$queryRaw<(AccountOwnerRow & { slug: string })[]>`
    SELECT t."slug", ${ACCOUNT_WITH_OWNER}
    FROM unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::uuid[]) AS k("slug", "member")
    JOIN "Timebank" t ON t."slug" = k."slug"
    JOIN "Account" a ON a."timebankId" = t."id" AND a."membershipId" = k."member"
    JOIN "Membership" m ON m."timebankId" = a."timebankId" AND m."id" = a."membershipId"`;
  const accounts = rows.map(({ slug, ...row }) => ({ slug, account: withOwner(row) }));
  return byKey(
    keys.map((k) => k.toLowerCase()),
    accounts,
    (a) => `${a.slug}:${a.account.membershipId}`.toLowerCase(),
  ).map((a) => a?.account ?? null);
}

/**
 * An account of any kind by id, with its owning membership if it has one: one statement (Prisma's
 * `include` sends two).
 */
export async function accountWithOwnerById(db: Db, id: string): Promise<AccountWithOwner | null> {
  if (!isUuid(id)) return null;
  const [row] = await db.$queryRaw<AccountOwnerRow[]>`
    SELECT ${ACCOUNT_WITH_OWNER}
    FROM "Account" a LEFT JOIN "Membership" m ON m."timebankId" = a."timebankId" AND m."id" = a."membershipId"
    WHERE a."id" = ${id}::uuid`;
  return row ? withOwner(row) : null;
}

/** loadMany that fails as a whole when the statement failed (DataLoader hands back Error values). */
export async function loadAll<K, V>(loader: DataLoader<K, V | null>, keys: readonly K[]): Promise<(V | null)[]> {
  const values = await loader.loadMany(keys);
  for (const v of values) if (v instanceof Error) throw v;
  return values as (V | null)[];
}

/** One per process (App.coalesce), bound to the app's database client (not a transaction's). */
export class Coalescer {
  readonly viewers: DataLoader<string, ViewerRow | null>;
  readonly banksById: DataLoader<string, Timebank | null>;
  readonly banksBySlug: DataLoader<string, Timebank | null>;
  /** Keys "<bank scope>\u0001<bank id>:<membership id>": use memberAccountsInScope. */
  readonly memberAccounts: DataLoader<string, AccountWithOwner | null>;
  /** Keys "<bank scope>\u0001<bank slug>:<membership id>": use memberAccountsBySlugInScope. */
  readonly memberAccountsBySlug: DataLoader<string, AccountWithOwner | null>;

  constructor(readonly db: Db) {
    this.viewers = coalescing((ids) => viewerRows(db, ids));
    this.banksById = coalescing(async (ids) => byKey(ids, await db.timebank.findMany({ where: { id: { in: [...ids] } } }), (t) => t.id));
    this.banksBySlug = coalescing(async (slugs) =>
      byKey(slugs, await db.timebank.findMany({ where: { slug: { in: [...slugs] } } }), (t) => t.slug),
    );
    // Accounts and memberships are under row-level security: requests of different bank scopes
    // share no statement; each scope's keys go out in one statement run in that scope.
    this.memberAccounts = scopedCoalescing((keys) => memberAccountRows(db, keys));
    this.memberAccountsBySlug = scopedCoalescing((keys) => memberAccountRowsBySlug(db, keys));
  }

  /** Member accounts by "<bank id>:<membership id>", read in the caller's bank scope with other requests of that scope. */
  memberAccountsInScope(keys: readonly string[]): Promise<(AccountWithOwner | null)[]> {
    const scope = currentBankScope();
    return loadAll(
      this.memberAccounts,
      keys.map((k) => scope + SCOPE_SEPARATOR + k),
    );
  }

  /** Member accounts by "<bank slug>:<membership id>", read in the caller's bank scope with other requests of that scope. */
  memberAccountsBySlugInScope(keys: readonly string[]): Promise<(AccountWithOwner | null)[]> {
    const scope = currentBankScope();
    return loadAll(
      this.memberAccountsBySlug,
      keys.map((k) => scope + SCOPE_SEPARATOR + k),
    );
  }

  /** Whether `db` is the client these loaders read through (false inside a transaction). */
  serves(db: Db): boolean {
    return db === this.db;
  }
}
