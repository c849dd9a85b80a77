// Erasure of a person's data in one or more banks, inside the caller's transaction.
//
// What it keeps: the rows the books and the published statistics are made of (the membership,
// its account and every transfer, activity attendance, matches, the referral), as anonymous
// rows. What it deletes or blanks: everything the person wrote or that describes them. What it
// replaces: their names, emails and phone numbers in the text of every other row of their banks
// (docs/privacy.md, "Erasure"). The account's balance goes to, or is covered by, the community pot
// through the ledger's own posting function, and the account is closed.
//
// Ids: the membership, account and person keep their (random) ids, because immutable rows point
// at them (transfers, approved time-account entries); nothing derived from the person (email,
// member number) survives, and no text column anywhere holds those ids afterwards.
import { createHash, randomUUID } from "node:crypto";
import { Prisma } from "../../generated/prisma/client";
import type { Membership, Person, PrivacyRequester } from "../../generated/prisma/client";
import { errorResult } from "../../common/errors";
import { scopeTransactionToBanks } from "../../db/row-security";
import type { Db } from "../../db/database";
import { decideTransfer, postTransfersOnce, type Tx } from "../../modules/ledger/ledger.engine";
import { NO_LOGIN_HASH } from "../onboarding/onboarding.service";
import { promoteFromWaitingList } from "../activity/activity.service";
import { alternation, everywherePatterns, linkedPatterns, REDACTED, type Identifiers } from "./privacy.rules";
import { ErasureRefused } from "./privacy.type";

export const ERASED_NAME = "Erased member";
export const ERASED_EMAIL_DOMAIN = "erased.invalid";
export const ERASED_POST_TITLE = "Removed at the member's request";
/** Memo of the transfer that settles an erased member's balance with the community pot. */
export const SETTLEMENT_MEMO = "Balance of a closed account settled with the community pot (erasure)";
export const VOID_REASON = "a party's personal data was erased";

/** Text columns that are keys or hashes, never prose: redaction would break them and cannot find a name in them. */
const NOT_PROSE = new Set(["idempotencyKey", "requestHash", "categorySlug", "slug", "region", "locale", "timezone"]);
/**
 * Append-only tables (a trigger refuses every UPDATE): the capacity module's audit and closed
 * periods. Redacting them would abort the erasure; docs/privacy.md says what this leaves.
 */
const APPEND_ONLY = new Set(["CapacityAudit", "CapacityPeriod", "TimeAccountEntry"]);

export interface Erasure {
  person: Person;
  /** The memberships to erase (all of the person's for a whole-person erasure). */
  memberships: Membership[];
  /** Also erase the person (login, name) itself: no membership of theirs is left unerased. */
  wholePerson: boolean;
  /** Who carries it out (person id); null for the retention command. */
  actorId: string | null;
  requestedBy: PrivacyRequester;
  note: string;
  now: Date;
  /** Row-level security is on (PostgreSQL): each bank's work runs scoped to that bank. */
  rowSecurity: boolean;
  /** The person's names, emails and phones (identifiersOf, read across every bank before the transaction). */
  identifiers: Identifiers;
}

export interface ErasureDone {
  erasedAt: Date;
  memberships: number;
  /** Per bank, the minutes that went to the pot (positive) or came from it (negative). */
  settledMinutes: number;
}

/** Identifying strings of the person: their names, emails and phones across all their memberships. */
export async function identifiersOf(db: Tx, person: Person): Promise<Identifiers> {
  const profiles = await db.memberProfile.findMany({
    where: { membership: { personId: person.id } },
    select: { contactEmail: true, contactPhone: true },
  });
  const erased = person.erasedAt !== null;
  return {
    names: erased ? [] : [person.displayName],
    emails: [...(erased ? [] : [person.email]), ...profiles.flatMap((p) => (p.contactEmail ? [p.contactEmail] : []))],
    phones: profiles.flatMap((p) => (p.contactPhone ? [p.contactPhone] : [])),
  };
}

/**
 * Checks that nothing stops the erasure: returns the refusal, or null. Checked before anything
 * is written, inside the transaction (the bank rows are locked by the caller's first write).
 */
export async function erasureRefusal(db: Tx, e: Erasure): Promise<ErasureRefused | null> {
  for (const m of e.memberships) {
    if (m.role === "ADMIN" && m.status === "ACTIVE") {
      await db.$queryRaw`SELECT 1 FROM "Timebank" WHERE "id" = ${m.timebankId}::uuid FOR UPDATE`;
      const admins = await db.membership.count({ where: { timebankId: m.timebankId, role: "ADMIN", status: "ACTIVE" } });
      if (admins <= 1)
        return errorResult(ErasureRefused, "LAST_ADMIN", "this is the only admin of a bank: make someone else admin first, then ask again");
    }
  }
  const accounts = await db.account.findMany({
    where: { OR: e.memberships.map((m) => ({ timebankId: m.timebankId, membershipId: m.id })) },
    select: { id: true },
  });
  if (accounts.length) {
    const ids = accounts.map((a) => a.id);
    const open = await db.interBankTransfer.count({
      where: {
        status: { in: ["PENDING_APPROVAL", "PENDING_ACCEPTANCE"] },
        OR: [{ senderAccountId: { in: ids } }, { recipientAccountId: { in: ids } }],
      },
    });
    if (open)
      return errorResult(
        ErasureRefused,
        "INTER_BANK_TRANSFER_PENDING",
        "an inter-bank transfer of this member is still waiting for a decision: decide or withdraw it first, then ask again",
      );
  }
  return null;
}

/** Erases; the caller has checked erasureRefusal in the same transaction. Throws (rolling back) if the pot cannot settle a balance. */
export async function erase(db: Tx, e: Erasure): Promise<ErasureDone> {
  const ids = e.identifiers;
  await db.$queryRaw`SELECT set_config('timebank.redaction', 'on', true) AS redaction`;
  let settled = 0;
  for (const m of e.memberships) {
    if (e.rowSecurity) await scopeTransactionToBanks(db as Db, [m.timebankId]);
    settled += await eraseMembership(db, e, m, ids);
  }
  if (e.wholePerson) await erasePerson(db, e);
  return { erasedAt: e.now, memberships: e.memberships.length, settledMinutes: settled };
}

async function eraseMembership(db: Tx, e: Erasure, m: Membership, ids: Identifiers): Promise<number> {
  const bank = { timebankId: m.timebankId };
  const mine = { timebankId: m.timebankId, membershipId: m.id };
  const now = e.now;
  // The audit row first: its note is redacted with every other text below.
  await db.privacyRequest.create({
    data: { ...mine, action: "ERASURE", requestedBy: e.requestedBy, actorId: e.actorId, note: e.note, createdAt: now },
  });

  const account = await db.account.findUnique({ where: { timebankId_membershipId: mine } });
  const settled = account ? await settleAndClose(db, e, m, account.id) : 0;

  // What the person wrote, and what describes them.
  await db.memberProfile.updateMany({
    where: mine,
    data: {
      bio: "",
      languages: [],
      neighbourhood: null,
      availability: [],
      accessibilityNeeds: null,
      contactPhone: null,
      contactEmail: null,
    },
  });
  await db.memberSkill.deleteMany({ where: mine });
  await db.post.updateMany({ where: { ...bank, authorId: m.id, status: "OPEN" }, data: { status: "CANCELLED", closedAt: now } });
  await db.post.updateMany({
    where: { ...bank, authorId: m.id },
    data: { title: ERASED_POST_TITLE, description: "", tags: [], neighbourhood: null, availability: [], dates: [], updatedAt: now },
  });
  await db.match.updateMany({ where: { ...bank, candidateId: m.id, status: "PROPOSED" }, data: { status: "WITHDRAWN" } });
  // The factors explained why they were proposed (their skills, their neighbourhood).
  await db.match.updateMany({ where: { ...bank, candidateId: m.id }, data: { factors: [] } });
  if (account) {
    await db.transfer.updateMany({
      where: { ...bank, createdById: e.person.id, OR: [{ debitAccountId: account.id }, { creditAccountId: account.id }] },
      data: { memo: "" },
    });
    await db.transfer.updateMany({ where: { ...bank, decidedById: e.person.id, voidReason: { not: null } }, data: { voidReason: null } });
    await db.interBankTransfer.updateMany({ where: { ...bank, senderAccountId: account.id }, data: { message: "" } });
    await db.accountLimitChange.updateMany({ where: { ...bank, accountId: account.id }, data: { reason: "" } });
  }
  await db.memberVouch.deleteMany({ where: mine });
  await db.interview.deleteMany({ where: mine });
  await db.reference.deleteMany({ where: mine });
  await db.safeguardingCheck.deleteMany({ where: mine });
  await db.engagementPreference.deleteMany({ where: mine });
  await db.participationProfile.deleteMany({ where: mine });
  await db.institutionSupervision.deleteMany({ where: mine });
  await db.workLog.updateMany({ where: mine, data: { note: null } });
  await db.depositRequest.updateMany({ where: mine, data: { note: null, refusalReason: null } });
  await db.timeOffRequest.updateMany({ where: mine, data: { note: null, refusalReason: null } });
  await db.payoutRequest.updateMany({ where: mine, data: { note: null, refusalReason: null } });
  await db.helperAuthorisation.updateMany({
    where: { ...bank, revokedAt: null, OR: [{ memberId: m.id }, { helperId: m.id }] },
    data: { revokedAt: now, revokedById: e.actorId },
  });
  await db.mentorPairing.updateMany({
    where: { ...bank, endedAt: null, OR: [{ mentorId: m.id }, { newcomerId: m.id }] },
    data: { endedAt: now },
  });
  // Places in planned activities are given up, and go to the first on the waiting list.
  const places = await db.activitySignup.findMany({
    where: { ...mine, status: { in: ["SIGNED_UP", "WAITING"] }, activity: { status: "PLANNED" } },
  });
  for (const place of places) {
    await db.$queryRaw`SELECT 1 FROM "Activity" WHERE "timebankId" = ${m.timebankId}::uuid AND "id" = ${place.activityId}::uuid FOR UPDATE`;
    await db.activitySignup.update({
      where: { timebankId_activityId_membershipId: { ...mine, activityId: place.activityId } },
      data: { status: "CANCELLED" },
    });
    if (place.status === "SIGNED_UP") await promoteFromWaitingList(db as never, m.timebankId, place.activityId);
  }
  // Notifications naming them (ids only, kept for catch-up a few hours): dropped.
  const named = [m.id, e.person.id, ...(account ? [account.id] : [])].join("|");
  await db.$executeRaw`
    DELETE FROM "OutboxEvent" WHERE "timebankId" = ${m.timebankId}::uuid
      AND (${m.id}::uuid = ANY ("recipientMembershipIds") OR ${e.person.id}::uuid = ANY ("recipientPersonIds") OR "payload"::text ~ ${named})`;

  // Their names and contact details in everyone else's text.
  await redactBank(db, m.timebankId, everywherePatterns(ids));
  await redactLinked(db, m, account?.id ?? null, linkedPatterns(ids));

  // The matching index holds the words of profiles and posts: the rows of everything the steps
  // above changed (queued as stale by the matching triggers) go now, and are rebuilt from the
  // redacted texts when the bank's matching next reads its index.
  await db.$executeRaw`DELETE FROM "MatchingMemberIndex" WHERE "timebankId" = ${m.timebankId}::uuid
    AND ("membershipId" = ${m.id}::uuid OR "membershipId" IN (SELECT "id" FROM "MatchingStale" WHERE "timebankId" = ${m.timebankId}::uuid AND "kind" = 'member'))`;
  await db.$executeRaw`DELETE FROM "MatchingPostIndex" WHERE "timebankId" = ${m.timebankId}::uuid
    AND "postId" IN (SELECT "id" FROM "MatchingStale" WHERE "timebankId" = ${m.timebankId}::uuid AND "kind" = 'post')`;

  // A new member number: the old one is how the bank's paper records name the person.
  const { nextMemberNumber } = await db.timebank.update({
    where: { id: m.timebankId },
    data: { nextMemberNumber: { increment: 1 } },
    select: { nextMemberNumber: true },
  });
  const ended = m.status === "LEFT" || m.status === "DECLINED";
  await db.membership.update({
    where: { timebankId_id: { timebankId: m.timebankId, id: m.id } },
    data: {
      role: "MEMBER",
      memberNumber: nextMemberNumber - 1,
      pausedAt: null,
      plannedReturnOn: null,
      ...(ended ? {} : m.status === "APPLIED" ? { status: "DECLINED" } : { status: "LEFT", leftAt: now }),
    },
  });
  return settled;
}

/**
 * Voids the account's pending transfers (releasing their reservations), moves its balance to
 * the pot (or covers a negative one from it) with one transfer through ledger_post_transfers,
 * and closes the account. Returns the minutes that went to the pot.
 */
async function settleAndClose(db: Tx, e: Erasure, m: Membership, accountId: string): Promise<number> {
  const pending = await db.transfer.findMany({
    where: { timebankId: m.timebankId, status: "PENDING", OR: [{ debitAccountId: accountId }, { creditAccountId: accountId }] },
    select: { id: true },
    orderBy: { id: "asc" },
  });
  for (const t of pending)
    await decideTransfer(
      db,
      m.timebankId,
      t.id,
      { status: "VOIDED", decidedById: e.actorId ?? e.person.id, voidReason: VOID_REASON },
      e.now,
    );
  const account = await db.account.findUniqueOrThrow({ where: { timebankId_id: { timebankId: m.timebankId, id: accountId } } });
  const balance = account.balanceMinutes;
  if (balance !== 0) {
    const pot = await db.account.findFirst({ where: { timebankId: m.timebankId, kind: "POT" }, select: { id: true } });
    if (!pot) throw new ErasureBlocked("NO_COMMUNITY_POT", "the bank has no community pot to settle the balance with");
    const toPot = balance > 0;
    // A random key: nothing in the transfer may be derived from the person's ids.
    const key = `privacy-erasure:${randomUUID()}`;
    const posted = await postTransfersOnce(db, {
      timebankId: m.timebankId,
      key,
      requestHash: createHash("sha256").update(key).digest("hex"),
      createdById: e.actorId ?? e.person.id,
      now: e.now,
      groupId: null,
      requireActive: false,
      legs: [
        {
          id: randomUUID(),
          kind: toPot ? "POT_DONATION" : "POT_PAYMENT",
          status: "POSTED",
          debitAccountId: toPot ? accountId : pot.id,
          creditAccountId: toPot ? pot.id : accountId,
          minutes: Math.abs(balance),
          memo: SETTLEMENT_MEMO,
          relatedPostId: null,
          reversesTransferId: null,
        },
      ],
      events: [],
      refusal: null,
    });
    // The posting function narrowed the transaction to this bank; the caller's scope is restored by the next bank's.
    if (posted.outcome !== "created") {
      throw new ErasureBlocked(
        "BALANCE_NOT_SETTLED",
        `the community pot cannot ${toPot ? "take" : "cover"} this member's balance of ${balance} minutes within its limits: adjust the pot's limits, then ask again`,
      );
    }
  }
  await db.account.update({ where: { timebankId_id: { timebankId: m.timebankId, id: accountId } }, data: { status: "CLOSED" } });
  return balance;
}

/** Thrown inside the transaction to roll the erasure back; returned to the client as ErasureRefused. */
export class ErasureBlocked extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function erasePerson(db: Tx, e: Erasure): Promise<void> {
  await db.institutionDelegate.deleteMany({ where: { personId: e.person.id } });
  await db.person.update({
    where: { id: e.person.id },
    data: {
      // A fresh random address: unique as the column needs, derived from nothing.
      email: `erased-${randomUUID()}@${ERASED_EMAIL_DOMAIN}`,
      displayName: ERASED_NAME,
      passwordHash: NO_LOGIN_HASH,
      preferredLanguage: "en",
      offline: false,
      isPlatformAdmin: false,
      isUmbrella: false,
      erasedAt: e.now,
    },
  });
}

interface TextColumn {
  table: string;
  column: string;
  kind: "text" | "json" | "array";
}

/** Every prose column of every bank-owned table (information_schema), except the statistics rollups. */
export async function bankTextColumns(db: Tx): Promise<TextColumn[]> {
  const rows = await db.$queryRaw<{ table: string; column: string; data_type: string; udt_name: string }[]>`
    SELECT c.table_name AS "table", c.column_name AS "column", c.data_type, c.udt_name
    FROM information_schema.columns c
    WHERE c.table_schema = current_schema()
      AND (c.data_type IN ('text', 'character varying', 'json', 'jsonb') OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar')))
      AND EXISTS (SELECT 1 FROM information_schema.columns k WHERE k.table_schema = c.table_schema AND k.table_name = c.table_name AND k.column_name = 'timebankId')
    ORDER BY 1, 2`;
  return rows
    .filter((r) => !r.table.startsWith("Stats") && !APPEND_ONLY.has(r.table) && !NOT_PROSE.has(r.column))
    .map((r) => ({
      table: r.table,
      column: r.column,
      kind: r.data_type === "ARRAY" ? "array" : r.data_type.startsWith("json") ? "json" : "text",
    }));
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

function setExpression(c: TextColumn): { set: string; test: string } {
  const col = ident(c.column);
  switch (c.kind) {
    case "text":
      return { set: `regexp_replace(${col}, $1, $2, 'gi')`, test: `${col} ~* $1` };
    case "json":
      return { set: `regexp_replace(${col}::text, $1, $2, 'gi')::${"jsonb"}`, test: `${col}::text ~* $1` };
    case "array":
      return {
        set: `ARRAY(SELECT regexp_replace(x, $1, $2, 'gi') FROM unnest(${col}) WITH ORDINALITY AS u(x, n) ORDER BY n)`,
        test: `array_to_string(${col}, chr(10)) ~* $1`,
      };
  }
}

/** Replaces the patterns in every prose column of the bank's rows (inter-bank transfers: either side's). */
async function redactBank(db: Tx, timebankId: string, patterns: string[]): Promise<void> {
  const pattern = alternation(patterns);
  if (!pattern) return;
  for (const c of await bankTextColumns(db)) {
    const { set, test } = setExpression(c);
    const inBank =
      c.table === "InterBankTransfer" ? `("timebankId" = $3::uuid OR "targetTimebankId" = $3::uuid)` : `"timebankId" = $3::uuid`;
    await db.$executeRawUnsafe(
      `UPDATE ${ident(c.table)} SET ${ident(c.column)} = ${set} WHERE ${inBank} AND ${test}`,
      pattern,
      REDACTED,
      timebankId,
    );
  }
}

/** Also each part of their names, in the texts tied to them: their transfers, their inter-bank transfers, the audit trail of requests about them, the requests they were matched with. */
async function redactLinked(db: Tx, m: Membership, accountId: string | null, patterns: string[]): Promise<void> {
  const pattern = alternation(patterns);
  if (!pattern) return;
  const p = Prisma.sql;
  await db.$executeRaw(p`
    UPDATE "Transfer" SET "memo" = regexp_replace("memo", ${pattern}, ${REDACTED}, 'gi'), "voidReason" = regexp_replace("voidReason", ${pattern}, ${REDACTED}, 'gi')
    WHERE "timebankId" = ${m.timebankId}::uuid AND ("debitAccountId" = ${accountId}::uuid OR "creditAccountId" = ${accountId}::uuid)
      AND ("memo" ~* ${pattern} OR "voidReason" ~* ${pattern})`);
  await db.$executeRaw(p`
    UPDATE "InterBankTransfer" SET "message" = regexp_replace("message", ${pattern}, ${REDACTED}, 'gi'), "voidReason" = regexp_replace("voidReason", ${pattern}, ${REDACTED}, 'gi')
    WHERE ("senderAccountId" = ${accountId}::uuid AND "timebankId" = ${m.timebankId}::uuid OR "recipientAccountId" = ${accountId}::uuid AND "targetTimebankId" = ${m.timebankId}::uuid)
      AND ("message" ~* ${pattern} OR "voidReason" ~* ${pattern})`);
  await db.$executeRaw(p`
    UPDATE "PrivacyRequest" SET "note" = regexp_replace("note", ${pattern}, ${REDACTED}, 'gi')
    WHERE "timebankId" = ${m.timebankId}::uuid AND "membershipId" = ${m.id}::uuid AND "note" ~* ${pattern}`);
  await db.$executeRaw(p`
    UPDATE "Post" SET "title" = regexp_replace("title", ${pattern}, ${REDACTED}, 'gi'), "description" = regexp_replace("description", ${pattern}, ${REDACTED}, 'gi')
    WHERE "timebankId" = ${m.timebankId}::uuid AND "id" IN (SELECT "requestId" FROM "Match" WHERE "timebankId" = ${m.timebankId}::uuid AND "candidateId" = ${m.id}::uuid)
      AND ("title" ~* ${pattern} OR "description" ~* ${pattern})`);
}
