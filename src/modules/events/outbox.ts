// SQL over the outbox table: claiming unpublished rows for publication, replaying a bank's
// events after a cursor, trimming. Raw SQL because of FOR UPDATE SKIP LOCKED, advisory locks
// and the window function that numbers positions.
import { Prisma } from "../../generated/prisma/client";
import type { Db } from "../../db/database";
import type { EventType, WireEvent } from "./events.types";

/**
 * Advisory lock that orders publication: the relay holds it exclusively while it numbers,
 * publishes and commits a batch; a replay takes it shared, so it never reads between a batch's
 * publication and its commit (a client could otherwise see position n live and miss n-1 on replay).
 */
/** The publication lock's key; outbox_claim (migration 20261129040000) takes the same one. */
export const PUBLICATION_LOCK = 72707370;

type TxClient = Omit<Db, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

interface OutboxRow {
  timebankId: string;
  id: string;
  position: string;
  type: string;
  toAllMembers: boolean;
  toCoordinators: boolean;
  recipientMembershipIds: string[] | null;
  recipientPersonIds: string[] | null;
  payload: unknown;
  createdAt: Date;
}

const COLUMNS = Prisma.sql`o."timebankId"::text AS "timebankId", o."id"::text AS "id", o."position"::text AS "position", o."type",
  o."toAllMembers", o."toCoordinators", o."recipientMembershipIds"::text[] AS "recipientMembershipIds",
  o."recipientPersonIds"::text[] AS "recipientPersonIds", o."payload", o."createdAt"`;

function toWire(row: OutboxRow): WireEvent {
  return {
    id: row.id,
    position: row.position,
    timebankId: row.timebankId,
    type: row.type as EventType,
    audience: {
      allMembers: row.toAllMembers,
      coordinators: row.toCoordinators,
      membershipIds: row.recipientMembershipIds ?? [],
      personIds: row.recipientPersonIds ?? [],
    },
    payload: row.payload as WireEvent["payload"],
    occurredAt: new Date(row.createdAt).toISOString(),
  };
}

export async function lastPosition(db: Db): Promise<bigint> {
  const rows = await db.$queryRaw<{ p: string }[]>`SELECT coalesce(max("position"), 0)::text AS p FROM "OutboxEvent"`;
  return BigInt(rows[0].p);
}

export async function hasUnpublished(db: Db): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`SELECT 1 FROM "OutboxEvent" WHERE "publishedAt" IS NULL LIMIT 1`;
  return rows.length > 0;
}

/**
 * Within the caller's transaction: takes the publication lock, claims up to `limit` unpublished
 * rows (SKIP LOCKED: rows of a transaction still writing them are not visible anyway), numbers
 * them after the highest position so far, marks them published, and returns them in position order.
 */
export async function claimBatch(tx: TxClient, limit: number): Promise<WireEvent[]> {
  // One statement: outbox_claim (migration 20261129040000) takes the lock, claims and numbers.
  const rows = await tx.$queryRaw<OutboxRow[]>`SELECT ${COLUMNS} FROM outbox_claim(${limit}::int) o`;
  return rows.map(toWire).sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1));
}

/** Published events of the given banks and types after a position, oldest first. */
export async function replayPage(
  tx: TxClient,
  timebankIds: string[],
  types: EventType[],
  after: bigint,
  limit: number,
): Promise<WireEvent[]> {
  await tx.$queryRaw`SELECT pg_advisory_xact_lock_shared(${PUBLICATION_LOCK})::text`;
  const rows = await tx.$queryRaw<OutboxRow[]>`
    SELECT ${COLUMNS} FROM "OutboxEvent" o
    WHERE o."timebankId" = ANY(${timebankIds}::uuid[]) AND o."type" = ANY(${types}::text[]) AND o."position" > ${after.toString()}::bigint
    ORDER BY o."position" LIMIT ${limit}`;
  return rows.map(toWire);
}

/**
 * Deletes published events older than the retention period, except the newest one: positions
 * continue from the highest remaining, and must never restart below a cursor a client holds.
 */
export async function trimPublished(db: Db, retentionHours: number): Promise<number> {
  return db.$executeRaw`
    DELETE FROM "OutboxEvent"
    WHERE "publishedAt" < now() - make_interval(hours => ${retentionHours}::int)
      AND "position" < (SELECT max("position") FROM "OutboxEvent")`;
}
