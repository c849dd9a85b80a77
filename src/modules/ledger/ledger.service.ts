// The hour ledger: exchanges recorded by coordinators (posted at once) or by members (pending
// until the other party confirms), group exchanges, gifts, the community pot, reversals,
// account limits, and reading accounts, transfers and statements. Every query is filtered by
// the bank of the context; every movement of minutes goes through ledger.engine.ts.
import { delegateReadsAccount, earnedHoursOnly, earnedMinutesLocked } from "../federation/federation.supervision";
import { everyBank } from "../../db/bank-scope";
import { randomUUID } from "node:crypto";
import { Prisma } from "../../generated/prisma/client";
import type { MembershipStatus, TransferKind, TransferStatus } from "../../generated/prisma/enums";
import { appError, badInput, errorResult, forbidden, notFound, type ErrorResult } from "../../common/errors";
import { decodeCursor, encodeCursor, pageSize, sliceRows, type Page } from "../../common/pagination";
import * as v from "../../common/validation";
import { bankContext, requireViewer, type BankContext, type RequestContext, inBank } from "../../context/context";
import { insiderBankIds, isInsider, isStaff, membershipIn, requireInsider, requireStaff } from "../../context/access";
import type { Db } from "../../db/database";
import * as timebanks from "../timebank/timebank.service";
import { requirePostOfBank } from "../post/post.references";
import {
  decideTransfer,
  ledgerTransaction,
  lockIdempotencyKey,
  postTransfers,
  postTransfersOnce,
  refuse,
  type PostingOutcome,
  retrying,
  type Account,
  type Transfer,
} from "./ledger.engine";
import type {
  DonateToPotInput,
  GiveHoursInput,
  PayFromPotInput,
  RecordExchangeInput,
  RecordGroupExchangeInput,
  ReverseTransferInput,
  SetAccountLimitsInput,
} from "./ledger.input";
import { recordTransferEvents, transferEvents } from "./ledger.events";
import { batchable } from "./ledger.batch";
import { outboxRow } from "../events/events.service";
import * as rules from "./ledger.rules";
import { memberStatements, period, statementOf } from "./ledger.statements";
import { AccountNotActive, InsufficientBalance, LimitsExcludeBalance, NotAllowed, SameAccount, TransferNotPending } from "./ledger.type";
import { accountWithOwnerById, memberAccountRows } from "../../context/coalesce";

export type TransferResult = Transfer | ErrorResult;
export type GroupExchangeResult = { groupId: string; transfers: Transfer[] } | ErrorResult;

/** The tenant filter of this module: rows of the context's bank only. */

export const OWNER = { membership: { select: { id: true, personId: true, status: true } } } as const;
export type OwnedAccount = Prisma.AccountGetPayload<{ include: typeof OWNER }>;

// ---- finding accounts ------------------------------------------------------------------------

/** The account of a member of the context's bank; NOT_FOUND for anyone outside it or never admitted. */
export async function memberAccount(ctx: BankContext, rawMemberId: string, field: string): Promise<OwnedAccount> {
  const membershipId = v.id(rawMemberId, field);
  const account = await ctx.db.account.findFirst({ where: { ...inBank(ctx), membershipId }, include: OWNER });
  if (!account) throw notFound(`member in ${ctx.bank.slug}`);
  return account;
}

/**
 * The accounts of several members of the context's bank with their memberships, in one query
 * (the write path reads as little as it can before posting), by membership id. Members without
 * an account in this bank are absent from the map.
 */
async function memberAccountsById(ctx: BankContext, membershipIds: string[]): Promise<Map<string, OwnedAccount>> {
  if (ctx.app.coalesce.serves(ctx.db)) {
    // Outside a transaction: in one statement with the other requests' accounts (context/coalesce.ts).
    const found = await ctx.app.coalesce.memberAccountsInScope(membershipIds.map((id) => `${ctx.bank.id}:${id}`));
    return new Map(found.filter((a) => a !== null).map((a) => [a.membershipId!, a as OwnedAccount]));
  }
  // Inside a transaction: the same statement on the transaction's client.
  const found = await memberAccountRows(
    ctx.db,
    membershipIds.map((id) => `${ctx.bank.id}:${id}`),
  );
  return new Map(found.filter((a) => a !== null).map((a) => [a.membershipId!, a as OwnedAccount]));
}

/**
 * Member accounts of the bank with this slug, read with the other requests' (context/coalesce.ts)
 * while the bank itself is being read: null when that cannot be done here (inside a transaction,
 * ids that are not ids) or failed; the caller then reads them once it has the bank.
 */
function accountsWithBank(ctx: RequestContext, slug: string, rawIds: string[]): Promise<Map<string, OwnedAccount> | null> {
  if (!ctx.app.coalesce.serves(ctx.db) || typeof slug !== "string" || !rawIds.every((id) => typeof id === "string" && v.isUuid(id)))
    return Promise.resolve(null);
  const ids = rawIds.map((id) => id.toLowerCase());
  return ctx.app.coalesce.memberAccountsBySlugInScope(ids.map((id) => `${slug}:${id}`)).then(
    (found) => new Map(found.filter((a) => a !== null).map((a) => [a.membershipId!, a as OwnedAccount])),
    () => null,
  );
}

async function potAccount(ctx: BankContext): Promise<OwnedAccount> {
  const pot = await ctx.db.account.findFirst({ where: { ...inBank(ctx), kind: "POT" }, include: OWNER });
  if (!pot) throw notFound(`community pot of ${ctx.bank.slug}`);
  return pot;
}

async function myAccountIn(ctx: BankContext): Promise<OwnedAccount> {
  const me = requireInsider(ctx);
  const account = await ctx.db.account.findFirst({ where: { ...inBank(ctx), membershipId: me.membershipId }, include: OWNER });
  if (!account) throw notFound(`your account in ${ctx.bank.slug}`);
  return account;
}

/** Why an account cannot take part in a new transfer, or null when it can. */
function notActive(account: OwnedAccount): AccountNotActive | null {
  const status =
    account.status !== "ACTIVE"
      ? account.status
      : account.membership && account.membership.status !== "ACTIVE"
        ? account.membership.status
        : null;
  if (!status) return null;
  const why = status === "CLOSED" ? "is closed" : `belongs to a membership that is ${status.toLowerCase()}`;
  return errorResult(AccountNotActive, "ACCOUNT_NOT_ACTIVE", `the account ${why} and takes part in no new transfer`, {
    accountId: account.id,
    accountStatus: status,
  });
}

/**
 * An account as the viewer may see it: their own, any account of a bank they coordinate, and
 * the community pot of a bank they belong to. Anything else is NOT_FOUND, existing or not.
 */
export async function findVisibleAccount(
  ctx: RequestContext,
  rawId: string,
  field = "account",
): Promise<{ account: OwnedAccount; bank: BankContext }> {
  const viewer = requireViewer(ctx);
  const id = v.id(rawId, field);
  const account = await accountWithOwnerById(ctx.db, id);
  // Federation (issue 22): an institution's delegates read its account like their own.
  if (!account || !(canSeeAccount(ctx, account) || (await delegateReadsAccount(ctx.db, viewer.personId, account))))
    throw notFound("account");
  const bank = await ctx.loaders.timebankById.load(account.timebankId);
  return { account, bank: bankContext({ ...ctx, viewer }, bank!) };
}

export function canSeeAccount(ctx: RequestContext, account: Pick<OwnedAccount, "timebankId" | "kind" | "membership">): boolean {
  if (!ctx.viewer) return false;
  const m = membershipIn(ctx.viewer, account.timebankId);
  if (account.membership?.personId === ctx.viewer.personId) return true;
  if (isStaff(m)) return true;
  return account.kind === "POT" && isInsider(m);
}

/** A transfer of a bank the viewer belongs to; NOT_FOUND otherwise. */
async function findTransferInMyBanks(ctx: RequestContext, rawId: string): Promise<{ transfer: Transfer; bank: BankContext }> {
  const viewer = requireViewer(ctx);
  const id = v.id(rawId, "transferId");
  const transfer = await ctx.db.transfer.findFirst({ where: { id, timebankId: { in: insiderBankIds(viewer) } } });
  if (!transfer) throw notFound("transfer");
  const bank = await ctx.loaders.timebankById.load(transfer.timebankId);
  return { transfer, bank: bankContext(ctx, bank!) };
}

// ---- creating transfers ----------------------------------------------------------------------

export interface PlannedTransfer {
  kind: TransferKind;
  status: "POSTED" | "PENDING";
  debit: OwnedAccount;
  credit: OwnedAccount;
  minutes: number;
  memo: string;
  relatedPostId?: string | null;
  reversesTransferId?: string | null;
}

export interface Request {
  operation: string;
  key: string;
  payload: Record<string, unknown>;
  groupId?: string | null;
  /**
   * Refusals decided on what was read before posting. Kept under the key only if the key is
   * new: a retry of a request that succeeded gets its transfers even if this would now refuse.
   */
  check?: () => ErrorResult | null;
  /**
   * Refusals that must be decided under locks held until the transfer commits (e.g. an
   * institution's monthly cap: lock, sum, post). Makes the request an interactive transaction
   * that ends with the same posting function; kept under the key like `check`'s.
   */
  checkInTransaction?: (tx: BankContext) => Promise<ErrorResult | null>;
  /** Posting of a correction is not stopped by a closed account (the limits still hold). */
  requireActive?: boolean;
}

/**
 * Creates the planned transfers atomically under an idempotency key (ledger rule 3): a retry
 * with the same key and payload gets the transfers the key produced (or the refusal it got), a
 * different payload is IDEMPOTENCY_KEY_REUSED. Posted legs move balances at once; pending ones
 * reserve. One round trip: see postTransfers and the ledger_post_transfers SQL function.
 */
export async function createTransfers(ctx: BankContext, request: Request, plans: PlannedTransfer[]): Promise<Transfer[] | ErrorResult> {
  const viewer = requireViewer(ctx);
  const hash = rules.requestHash(request.operation, viewer.personId, request.payload);
  const now = ctx.clock.now();
  const legs = plans.map((p) => ({
    id: randomUUID(),
    kind: p.kind,
    status: p.status,
    debitAccountId: p.debit.id,
    creditAccountId: p.credit.id,
    minutes: p.minutes,
    memo: p.memo,
    relatedPostId: p.relatedPostId ?? null,
    reversesTransferId: p.reversesTransferId ?? null,
  }));
  const facts = legs.map((l) => ({ ...l, timebankId: ctx.bank.id, createdById: viewer.personId }));
  const events = transferEvents(
    facts,
    plans.flatMap((p) => [p.debit, p.credit]),
  ).map(outboxRow);
  const posting = {
    timebankId: ctx.bank.id,
    key: request.key,
    requestHash: hash,
    createdById: viewer.personId,
    now,
    groupId: request.groupId ?? null,
    requireActive: request.requireActive ?? true,
    legs,
    events,
    refusal: request.check?.() ?? null,
  };
  const answer = (posted: PostingOutcome, on: BankContext): Transfer[] | ErrorResult => {
    switch (posted.outcome) {
      case "reused":
        throw appError(
          "IDEMPOTENCY_KEY_REUSED",
          "this idempotencyKey was already used for a different request: use a new key for a new transfer",
        );
      case "refused":
        return posted.refusal;
      case "existing":
        return posted.transfers;
      case "created":
        // The events committed with the transfers: publish them once committed.
        if (events.length) on.afterCommit(() => on.app.events.kick());
        return posted.transfers;
    }
  };
  const { checkInTransaction } = request;
  if (!checkInTransaction || posting.refusal) {
    // Alone in its own transaction: through the group commit when it can ride along (ledger.batch.ts).
    const outside = "$transaction" in ctx.db;
    const posted =
      outside && batchable(posting) && ctx.app.postings.options.maxBatch > 1
        ? await ctx.app.postings.post(posting)
        : outside
          ? await postTransfers(ctx.db, posting)
          : await postTransfersOnce(ctx.db, posting);
    return answer(posted, ctx);
  }
  return ledgerTransaction(ctx, async (tx) => {
    // Lock order (docs/ledger.md): the key before what the check locks (an institution's row).
    await lockIdempotencyKey(tx.db, tx.bank.id, posting.key);
    return answer(await postTransfersOnce(tx.db, { ...posting, refusal: await checkInTransaction(tx) }), tx);
  });
}

export function single(result: Transfer[] | ErrorResult): TransferResult {
  return Array.isArray(result) ? result[0] : result;
}

/** Refusals that apply to every new transfer between two accounts. */
export function pairRefusal(debit: OwnedAccount, credit: OwnedAccount): ErrorResult | null {
  if (debit.id === credit.id) return errorResult(SameAccount, "SAME_ACCOUNT", "the two sides of a transfer must be different accounts");
  return notActive(debit) ?? notActive(credit);
}

export const optionalId = (raw: string | null | undefined, field: string) => (raw === null || raw === undefined ? null : v.id(raw, field));

/**
 * Records an exchange that happened. A coordinator recording between two other members posts
 * at once; a member (or a coordinator who took part) records it PENDING, reserving the minutes,
 * until the other party confirms or rejects.
 */
export async function recordExchange(ctx: RequestContext, input: RecordExchangeInput): Promise<TransferResult> {
  const viewer = requireViewer(ctx);
  // The two accounts are read in the same turn as the bank (one round trip less on the write
  // path); nothing of them is used before the checks below have passed.
  const early = accountsWithBank(ctx, input.timebank, [input.giverMemberId, input.receiverMemberId]);
  const bank = await timebanks.forBank(ctx, input.timebank);
  const me = requireInsider(bank);
  const minutes = rules.minutes(input.minutes);
  const memo = rules.memo(input.memo);
  const key = rules.idempotencyKey(input.idempotencyKey);
  const relatedPostId = optionalId(input.relatedPostId, "relatedPostId");
  const giverId = v.id(input.giverMemberId, "giverMemberId");
  const receiverId = v.id(input.receiverMemberId, "receiverMemberId");
  const accounts =
    (await early.then((found) => (found && [...found.values()].every((a) => a.timebankId === bank.bank.id) ? found : null))) ??
    (await memberAccountsById(bank, [giverId, receiverId]));
  const giver = accounts.get(giverId);
  if (!giver) throw notFound(`member in ${bank.bank.slug}`);
  const receiver = accounts.get(receiverId);
  if (!receiver) throw notFound(`member in ${bank.bank.slug}`);
  const party = giver.membership?.personId === viewer.personId || receiver.membership?.personId === viewer.personId;
  const staff = isStaff(me);
  if (!party && !staff) throw forbidden("you can record only exchanges you took part in; a coordinator records the others");
  await requirePostOfBank(bank, relatedPostId);
  const status = party ? "PENDING" : "POSTED";
  return single(
    await createTransfers(
      bank,
      {
        operation: "recordExchange",
        key,
        payload: { giver: giver.id, receiver: receiver.id, minutes, memo, relatedPostId },
        check: () => {
          if (party && !staff && (!bank.bank.membersMayRecordExchanges || bank.bank.exchangeConfirmation === "COORDINATOR_ONLY")) {
            return errorResult(NotAllowed, "NOT_ALLOWED", `in ${bank.bank.name} only coordinators record exchanges: ask one to record it`);
          }
          return pairRefusal(receiver, giver);
        },
      },
      [{ kind: "EXCHANGE", status, debit: receiver, credit: giver, minutes, memo, relatedPostId }],
    ),
  );
}

/** Coordinators: several transfers that happened together, posted all or none. */
export async function recordGroupExchange(ctx: RequestContext, input: RecordGroupExchangeInput): Promise<GroupExchangeResult> {
  const bank = await timebanks.forBank(ctx, input.timebank);
  requireStaff(bank);
  const key = rules.idempotencyKey(input.idempotencyKey);
  const memo = rules.memo(input.memo);
  const relatedPostId = optionalId(input.relatedPostId, "relatedPostId");
  if (!Array.isArray(input.legs) || input.legs.length < 1 || input.legs.length > rules.MAX_GROUP_LEGS) {
    throw badInput(`a group exchange has 1 to ${rules.MAX_GROUP_LEGS} legs`, "legs");
  }
  const legs = input.legs.map((l, i) => ({
    giverMemberId: v.id(l.giverMemberId, `legs[${i}].giverMemberId`),
    receiverMemberId: optionalId(l.receiverMemberId, `legs[${i}].receiverMemberId`),
    minutes: rules.minutes(l.minutes, `legs[${i}].minutes`),
  }));
  await requirePostOfBank(bank, relatedPostId);
  const pot = legs.some((l) => l.receiverMemberId === null) ? await potAccount(bank) : null;
  const plans: PlannedTransfer[] = [];
  for (const [i, l] of legs.entries()) {
    const giver = await memberAccount(bank, l.giverMemberId, `legs[${i}].giverMemberId`);
    const receiver = l.receiverMemberId ? await memberAccount(bank, l.receiverMemberId, `legs[${i}].receiverMemberId`) : pot!;
    plans.push({
      kind: receiver.kind === "POT" ? "POT_PAYMENT" : "EXCHANGE",
      status: "POSTED",
      debit: receiver,
      credit: giver,
      minutes: l.minutes,
      memo,
      relatedPostId,
    });
  }
  const result = await createTransfers(
    bank,
    {
      operation: "recordGroupExchange",
      key,
      groupId: randomUUID(),
      payload: { legs: plans.map((p) => [p.credit.id, p.debit.id, p.minutes]), memo, relatedPostId },
      check: () => plans.map((p) => pairRefusal(p.debit, p.credit)).find((r) => r !== null) ?? null,
    },
    plans,
  );
  return Array.isArray(result) ? { groupId: result[0].groupId!, transfers: result } : result;
}

/** A member gives hours from their own account to another member. */
export async function giveHours(ctx: RequestContext, input: GiveHoursInput): Promise<TransferResult> {
  const bank = await timebanks.forBank(ctx, input.timebank);
  const from = await myAccountIn(bank);
  const minutes = rules.minutes(input.minutes);
  const memo = rules.memo(input.memo);
  const key = rules.idempotencyKey(input.idempotencyKey);
  const to = await memberAccount(bank, input.toMemberId, "toMemberId");
  return single(
    await createTransfers(
      bank,
      {
        operation: "giveHours",
        key,
        payload: { to: to.id, minutes, memo },
        check: () => pairRefusal(from, to),
        ...(await earnedHoursCheck(bank, from, minutes)),
      },
      [{ kind: "GIFT", status: "POSTED", debit: from, credit: to, minutes, memo }],
    ),
  );
}

/**
 * Federation (issue 22, "earned hours only"): a member supervised by an institution that does not
 * let them use credit gives only what they hold. Checked under the account's lock; nothing to add
 * (and the fast path kept) for everyone else.
 */
async function earnedHoursCheck(
  bank: BankContext,
  from: OwnedAccount,
  minutes: number,
): Promise<{ checkInTransaction?: (tx: BankContext) => Promise<ErrorResult | null> }> {
  if (!(await earnedHoursOnly(bank.db, bank.bank.id, from.membershipId))) return {};
  return {
    checkInTransaction: async (tx) => {
      const earned = await earnedMinutesLocked(tx.db, tx.bank.id, from.id, from.membershipId);
      if (earned === null || earned >= minutes) return null;
      return errorResult(InsufficientBalance, "INSUFFICIENT_BALANCE", `you may give only hours you have earned: ${earned} minutes`, {
        accountId: from.id,
        availableMinutes: earned,
        requestedMinutes: minutes,
      });
    },
  };
}

/** A member gives hours to the bank's community pot. */
export async function donateToPot(ctx: RequestContext, input: DonateToPotInput): Promise<TransferResult> {
  const bank = await timebanks.forBank(ctx, input.timebank);
  const from = await myAccountIn(bank);
  const minutes = rules.minutes(input.minutes);
  const memo = rules.memo(input.memo);
  const key = rules.idempotencyKey(input.idempotencyKey);
  const pot = await potAccount(bank);
  return single(
    await createTransfers(
      bank,
      {
        operation: "donateToPot",
        key,
        payload: { minutes, memo },
        check: () => pairRefusal(from, pot),
        ...(await earnedHoursCheck(bank, from, minutes)),
      },
      [{ kind: "POT_DONATION", status: "POSTED", debit: from, credit: pot, minutes, memo }],
    ),
  );
}

/** Coordinators: the community pot pays a member. */
export async function payFromPot(ctx: RequestContext, input: PayFromPotInput): Promise<TransferResult> {
  const bank = await timebanks.forBank(ctx, input.timebank);
  requireStaff(bank);
  const minutes = rules.minutes(input.minutes);
  const memo = rules.memo(input.memo);
  const key = rules.idempotencyKey(input.idempotencyKey);
  const to = await memberAccount(bank, input.toMemberId, "toMemberId");
  const pot = await potAccount(bank);
  return single(
    await createTransfers(
      bank,
      { operation: "payFromPot", key, payload: { to: to.id, minutes, memo }, check: () => pairRefusal(pot, to) },
      [{ kind: "POT_PAYMENT", status: "POSTED", debit: pot, credit: to, minutes, memo }],
    ),
  );
}

/**
 * Coordinators: corrects a posted transfer with its opposite (ledger rule 4). A transfer is
 * reversed at most once: a unique key on the reversal's reference decides between racers.
 */
export async function reverseTransfer(ctx: RequestContext, input: ReverseTransferInput): Promise<TransferResult> {
  const { transfer, bank } = await findTransferInMyBanks(ctx, input.transferId);
  requireStaff(bank);
  const reason = v.text(input.reason, "reason", { min: 3, max: rules.MAX_MEMO_LENGTH });
  const key = rules.idempotencyKey(input.idempotencyKey);
  const [debit, credit] = await Promise.all([
    bank.db.account.findFirstOrThrow({ where: { ...inBank(bank), id: transfer.creditAccountId }, include: OWNER }),
    bank.db.account.findFirstOrThrow({ where: { ...inBank(bank), id: transfer.debitAccountId }, include: OWNER }),
  ]);
  return single(
    await createTransfers(
      bank,
      {
        operation: "reverseTransfer",
        key,
        payload: { transfer: transfer.id, reason },
        requireActive: false,
        // ALREADY_REVERSED is decided by ledger_post_transfers under a per-transfer lock: racing
        // reversals of one transfer (different keys) queue there, so the later ones see the
        // first rather than meet the limits its minutes moved.
        check: () => {
          if (transfer.status !== "POSTED") {
            return errorResult(
              NotAllowed,
              "NOT_ALLOWED",
              `only posted transfers can be reversed; this one is ${transfer.status.toLowerCase()}`,
            );
          }
          if (transfer.kind === "REVERSAL")
            return errorResult(NotAllowed, "NOT_ALLOWED", "a reversal cannot itself be reversed: record a new transfer instead");
          // Federation: reversing one leg would leave its twin in the other bank standing (ledger rule 6).
          if (transfer.kind === "INTER_BANK")
            return errorResult(
              NotAllowed,
              "NOT_ALLOWED",
              "an inter-bank leg cannot be reversed on its own: send hours back to the other bank instead",
            );
          return null;
        },
      },
      [{ kind: "REVERSAL", status: "POSTED", debit, credit, minutes: transfer.minutes, memo: reason, reversesTransferId: transfer.id }],
    ),
  );
}

// ---- confirming and rejecting --------------------------------------------------------------

/**
 * Finds a pending exchange the viewer may decide: they must own the account of the party who
 * did not record it. The recorder gets NOT_ALLOWED, other insiders FORBIDDEN.
 */
async function exchangeToDecide(
  ctx: RequestContext,
  rawId: string,
): Promise<{ transfer: Transfer; bank: BankContext } | { refusal: ErrorResult }> {
  const viewer = requireViewer(ctx);
  const { transfer, bank } = await findTransferInMyBanks(ctx, rawId);
  const accounts = await bank.db.account.findMany({
    where: { ...inBank(bank), id: { in: [transfer.debitAccountId, transfer.creditAccountId] } },
    include: OWNER,
  });
  const owners = accounts.map((a) => a.membership?.personId);
  if (!owners.includes(viewer.personId)) throw forbidden("only the other party of an exchange can confirm or reject it");
  // Federation: an inter-bank leg is decided only together with its twin (ledger rule 6).
  if (transfer.kind === "INTER_BANK")
    return { refusal: errorResult(NotAllowed, "NOT_ALLOWED", "an inter-bank transfer is accepted or declined as a whole, not leg by leg") };
  if (transfer.createdById === viewer.personId) {
    return { refusal: errorResult(NotAllowed, "NOT_ALLOWED", "you recorded this exchange: the other party confirms or rejects it") };
  }
  return { transfer, bank };
}

async function decide(ctx: RequestContext, rawId: string, status: "POSTED" | "VOIDED", voidReason: string | null): Promise<TransferResult> {
  const found = await exchangeToDecide(ctx, rawId);
  if ("refusal" in found) return found.refusal;
  const { transfer, bank } = found;
  const viewer = requireViewer(ctx);
  return ledgerTransaction(bank, async (tx) => {
    const decided = await decideTransfer(
      tx.db,
      tx.bank.id,
      transfer.id,
      { status, decidedById: viewer.personId, voidReason },
      tx.clock.now(),
    );
    if (decided) {
      const owners = await tx.db.account.findMany({
        where: { ...inBank(tx), id: { in: [decided.debitAccountId, decided.creditAccountId] } },
        include: OWNER,
      });
      await recordTransferEvents(tx, [decided], owners);
      return decided;
    }
    const current = await tx.db.transfer.findFirstOrThrow({ where: { ...inBank(tx), id: transfer.id } });
    // The same decision arriving again (a retry) gets the decided transfer back.
    if (current.status === status && current.decidedById === viewer.personId) return current;
    return refuse(
      errorResult(
        TransferNotPending,
        "TRANSFER_NOT_PENDING",
        `this exchange was already ${current.status === "POSTED" ? "confirmed" : "rejected"}`,
        {
          currentStatus: current.status,
        },
      ),
    );
  });
}

/** The other party confirms a pending exchange: the reserved minutes land. */
export function confirmExchange(ctx: RequestContext, transferId: string): Promise<TransferResult> {
  return decide(ctx, transferId, "POSTED", null);
}

/** The other party rejects a pending exchange: the reservation is released, nothing moves. */
export function rejectExchange(ctx: RequestContext, transferId: string, reason?: string | null): Promise<TransferResult> {
  return decide(ctx, transferId, "VOIDED", v.optionalText(reason, "reason", rules.MAX_MEMO_LENGTH));
}

/**
 * System job (not a request): confirms pending exchanges older than their bank's
 * autoConfirmAfterDays. Each in its own retried transaction; one already decided is skipped.
 * Returns how many it confirmed.
 */
export async function autoConfirmOverdueExchanges(db: Db, now: Date): Promise<number> {
  return everyBank(() => autoConfirm(db, now)); // a system job: every bank (row-level security)
}

async function autoConfirm(db: Db, now: Date): Promise<number> {
  const banks = await db.timebank.findMany({
    where: { autoConfirmAfterDays: { not: null } },
    select: { id: true, autoConfirmAfterDays: true },
  });
  let confirmed = 0;
  for (const bank of banks) {
    const cutoff = new Date(now.getTime() - bank.autoConfirmAfterDays! * 86_400_000);
    const due = await db.transfer.findMany({
      where: { timebankId: bank.id, status: "PENDING", kind: { not: "INTER_BANK" }, createdAt: { lte: cutoff } },
      select: { id: true },
      orderBy: { createdAt: "asc" },
    });
    for (const t of due) {
      const result = await retrying(db, (tx) => decideTransfer(tx, bank.id, t.id, { status: "POSTED", decidedById: null }, now));
      if (result) confirmed++;
    }
  }
  return confirmed;
}

// ---- limits ----------------------------------------------------------------------------------

/** Coordinators: changes an account's floor and ceiling; logged with who and why. */
export async function setAccountLimits(ctx: RequestContext, input: SetAccountLimitsInput): Promise<Account | ErrorResult> {
  const viewer = requireViewer(ctx);
  const { account, bank } = await findVisibleAccount(ctx, input.accountId, "accountId");
  requireStaff(bank);
  const { floorMinutes, ceilingMinutes } = rules.limits(input.floorMinutes, input.ceilingMinutes);
  if (floorMinutes > ceilingMinutes) throw badInput("floorMinutes must not be above ceilingMinutes", "floorMinutes");
  const reason = v.text(input.reason, "reason", { min: 3, max: rules.MAX_MEMO_LENGTH });
  return ledgerTransaction(bank, async (tx) => {
    const [current] = await tx.db.$queryRaw<Account[]>`
      SELECT * FROM "Account" WHERE "timebankId" = ${tx.bank.id}::uuid AND "id" = ${account.id}::uuid FOR UPDATE`;
    const next = { ...current, floorMinutes, ceilingMinutes };
    if (!rules.withinLimits(next)) {
      refuse(
        errorResult(
          LimitsExcludeBalance,
          "LIMITS_EXCLUDE_BALANCE",
          "the account's balance with its pending exchanges would lie outside these limits",
          {
            balanceMinutes: current.balanceMinutes,
            pendingOutMinutes: current.pendingOutMinutes,
            pendingInMinutes: current.pendingInMinutes,
          },
        ),
      );
    }
    const now = tx.clock.now();
    await tx.db.accountLimitChange.create({
      data: {
        ...inBank(tx),
        accountId: current.id,
        changedById: viewer.personId,
        reason,
        oldFloorMinutes: current.floorMinutes,
        newFloorMinutes: floorMinutes,
        oldCeilingMinutes: current.ceilingMinutes,
        newCeilingMinutes: ceilingMinutes,
        changedAt: now,
      },
    });
    return tx.db.account.update({
      where: { timebankId_id: { ...inBank(tx), id: current.id } },
      data: { floorMinutes, ceilingMinutes, updatedAt: now },
    });
  });
}

export async function limitChanges(ctx: RequestContext, account: Pick<Account, "id" | "timebankId">) {
  return ctx.db.accountLimitChange.findMany({
    where: { timebankId: account.timebankId, accountId: account.id },
    orderBy: { changedAt: "asc" },
  });
}

// ---- reading ---------------------------------------------------------------------------------

export async function getAccount(ctx: RequestContext, id: string): Promise<Account> {
  return (await findVisibleAccount(ctx, id)).account;
}

/** The viewer's own accounts, in one bank or in all of theirs. */
export async function myAccounts(ctx: RequestContext, slug?: string | null): Promise<Account[]> {
  const viewer = requireViewer(ctx);
  const timebankId = slug ? (await timebanks.findBySlug(ctx, slug)).id : undefined;
  return ctx.db.account.findMany({
    where: { ...(timebankId ? { timebankId } : {}), membership: { personId: viewer.personId } },
    orderBy: { openedAt: "asc" },
  });
}

/** The community pot of a bank the viewer belongs to. */
export async function communityPot(ctx: RequestContext, slug: string): Promise<Account> {
  const bank = await timebanks.forBank(ctx, slug);
  requireInsider(bank);
  return potAccount(bank);
}

export interface TransferFilter {
  from?: Date | null;
  to?: Date | null;
  kind?: TransferKind | null;
  status?: TransferStatus | null;
}

/**
 * Transfers of an account, newest first, paginated. `from`/`to` bound the recording time.
 * One statement reads the account with its owner and the page: the account decides whether the
 * viewer may see any of it (NOT_FOUND otherwise, the rows read are dropped), as findVisibleAccount.
 */
export async function listTransfers(
  ctx: RequestContext,
  accountId: string,
  filter: TransferFilter,
  first?: number | null,
  after?: string | null,
): Promise<Page<Transfer>> {
  requireViewer(ctx);
  const id = v.id(accountId, "account");
  const size = pageSize(first);
  const cursor = decodeCursor(after, ["number"] as const);
  period(filter.from, filter.to);
  // The filter, written once: the page adds the cursor to it, totalCount counts it.
  const filtered = Prisma.join(
    [
      filter.kind ? Prisma.sql`AND t."kind" = ${filter.kind}::"TransferKind"` : Prisma.empty,
      filter.status ? Prisma.sql`AND t."status" = ${filter.status}::"TransferStatus"` : Prisma.empty,
      filter.from ? Prisma.sql`AND t."createdAt" >= ${filter.from}` : Prisma.empty,
      filter.to ? Prisma.sql`AND t."createdAt" < ${filter.to}` : Prisma.empty,
      // Federation (issue 22): the receiving leg of a gift the donor's institution has not
      // approved (waiting, refused, or expired waiting) is not shown on the recipient's account.
      Prisma.sql`AND NOT (t."kind" = 'INTER_BANK' AND EXISTS (SELECT 1 FROM "InterBankTransfer" i WHERE i."targetTimebankId" = t."timebankId" AND i."id" = t."groupId"
                   AND i."approverInstitutionMembershipId" IS NOT NULL AND i."approvedAt" IS NULL))`,
    ],
    " ",
  );
  // Newest first in commit order (seq: docs/ledger.md "Commit order").
  const afterCursor = cursor ? Prisma.sql`AND t."seq" < ${cursor[0]}::int` : Prisma.empty;
  const rows = await ctx.db.$queryRaw<
    (Transfer & {
      account: {
        id: string;
        timebankId: string;
        kind: Account["kind"];
        ownerId: string | null;
        ownerPersonId: string | null;
        ownerStatus: MembershipStatus | null;
      };
    })[]
  >`
    WITH acct AS (
      SELECT a."id", a."timebankId", a."kind", m."id" AS "ownerId", m."personId" AS "ownerPersonId", m."status" AS "ownerStatus"
      FROM "Account" a LEFT JOIN "Membership" m ON m."timebankId" = a."timebankId" AND m."id" = a."membershipId"
      WHERE a."id" = ${id}::uuid
    )
    SELECT json_build_object('id', acct."id", 'timebankId', acct."timebankId", 'kind', acct."kind", 'ownerId', acct."ownerId", 'ownerPersonId', acct."ownerPersonId", 'ownerStatus', acct."ownerStatus") AS "account", t.*
    FROM acct LEFT JOIN LATERAL (
      SELECT t.* FROM "Transfer" t
      WHERE t."timebankId" = acct."timebankId" AND (t."debitAccountId" = acct."id" OR t."creditAccountId" = acct."id") ${filtered} ${afterCursor}
      ORDER BY t."seq" DESC LIMIT ${size + 1}
    ) t ON true`;
  const a = rows[0]?.account;
  const owner = a?.ownerId ? { id: a.ownerId, personId: a.ownerPersonId!, status: a.ownerStatus! } : null;
  if (
    !a ||
    !(
      canSeeAccount(ctx, { timebankId: a.timebankId, kind: a.kind, membership: owner }) ||
      (await delegateReadsAccount(ctx.db, ctx.viewer!.personId, a))
    )
  )
    throw notFound("account");
  const transfers = rows.filter((r) => r.id !== null).map(({ account: _account, ...t }) => t as Transfer);
  // Counted only when the client asks for totalCount.
  return sliceRows(
    transfers,
    size,
    (t) => encodeCursor([t.seq]),
    async () => {
      const [{ n }] = await ctx.db.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "Transfer" t
      WHERE t."timebankId" = ${a.timebankId}::uuid AND (t."debitAccountId" = ${a.id}::uuid OR t."creditAccountId" = ${a.id}::uuid) ${filtered}`;
      return n;
    },
  );
}

/** Opening balance, posted transfers of [from, to) with a running balance, totals and closing balance. */
export async function statement(ctx: RequestContext, accountId: string, from: Date, to: Date) {
  const { account } = await findVisibleAccount(ctx, accountId);
  return statementOf(ctx.db, account, from, to);
}

/** A member's account as Member.account shows it: to the member and the bank's coordinators. */
export async function accountOfMember(
  ctx: RequestContext,
  member: { id: string; timebankId: string; personId: string },
): Promise<Account | null> {
  if (!ctx.viewer) return null;
  if (member.personId !== ctx.viewer.personId && !isStaff(membershipIn(ctx.viewer, member.timebankId))) return null;
  return ctx.loaders.accountByMembership.load(member.id);
}

/** Coordinators: the statements of every member of the bank for a calendar month (e.g. "2026-10"). */
export async function bankStatements(ctx: RequestContext, slug: string, month: string) {
  const bank = await timebanks.forBank(ctx, slug);
  requireStaff(bank);
  return (await memberStatements(ctx.db, bank.bank, month)).map((s) => s.statement);
}
