// Inter-bank transfers (docs/architecture.md "Federation", ledger rule 6). One InterBankTransfer row,
// kept with the source bank, links two ordinary Transfer legs of kind INTER_BANK:
//   source leg (source bank): sender -> source bank's clearing account for the partner
//   target leg (target bank): target bank's clearing account for the source -> recipient
// Both legs are written, reserved, posted or voided in ONE database transaction, with the
// accounts of both banks locked first in one global order (timebankId, id): both post or neither.
//
// Sharding later (Citus, distributed by timebank_id): the two legs live on different shards.
// They would then be coordinated as a saga keyed by the InterBankTransfer id: the source shard
// reserves and writes its leg and an outbox row; the target shard applies its leg idempotently
// (its Transfer key is `inter-bank:<id>`, unique per bank) and answers; each decision (post,
// void, expire) is applied to each shard idempotently through the same guarded PENDING -> X
// updates used here, so re-delivery is harmless and the twin check of ledger:verify finds any
// leg whose partner has not caught up. Until then one PostgreSQL does it atomically.
import { everyBank, withBankScope } from "../../db/bank-scope";
import { recordInterBankChange } from "./federation.events";
import { earnedMinutes } from "./federation.supervision";
import { randomUUID } from "node:crypto";
import type { Account, InterBankTransfer, Partnership, Prisma, Timebank } from "../../generated/prisma/client";
import type { InterBankTransferStatus, TransferPurpose } from "../../generated/prisma/enums";
import { appError, badInput, errorResult, forbidden, notFound, type ErrorResult } from "../../common/errors";
import * as v from "../../common/validation";
import { requireViewer, type BankContext, type RequestContext } from "../../context/context";
import { isStaff, membershipIn, requireStaff } from "../../context/access";
import type { Db } from "../../db/database";
import {
  decideTransfer,
  insertTransfers,
  LedgerRefusal,
  ledgerTransaction,
  lockAccountsInOrder,
  lockIdempotencyKey,
  postDeltas,
  refuse,
  registerRefusalTypes,
  reserveTransfer,
  restoreRefusal,
  retrying,
  storedRefusal,
  type Tx,
} from "../ledger/ledger.engine";
import { monthPeriod } from "../ledger/ledger.period";
import * as rules from "../ledger/ledger.rules";
import { AccountNotActive, CeilingExceeded, InsufficientBalance } from "../ledger/ledger.type";
import * as timebanks from "../timebank/timebank.service";
import type { SendHoursToOtherBankInput } from "./federation.input";
import { clearingOf, delegatedInstitutionIds, findPartnership, isDelegateOf, livePartnership } from "./federation.partners";
import { capsFor, monthOf } from "./federation.rules";
import {
  ApprovalRefused,
  ExposureCapReached,
  InstitutionCap,
  InstitutionCapReached,
  InterBankTransferNotPending,
  NoActivePartnership,
  PurposeNotAllowed,
  RecipientCeilingExceeded,
  RecipientNotActive,
  TransferDirection,
} from "./federation.type";

const PENDING: InterBankTransferStatus[] = ["PENDING_APPROVAL", "PENDING_ACCEPTANCE"];
const legKey = (id: string) => `inter-bank:${id}`;

// ---- refusals kept under the key ---------------------------------------------------------------

// The ledger keeps the refusals of every request under its key (ledger.engine.ts); these are
// the inter-bank ones it must be able to restore. InsufficientBalance and AccountNotActive are
// the ledger's own.
registerRefusalTypes(
  NoActivePartnership,
  PurposeNotAllowed,
  ExposureCapReached,
  RecipientCeilingExceeded,
  RecipientNotActive,
  InstitutionCapReached,
);

// ---- who the viewer is to a transfer -------------------------------------------------------------

export type OwnedAccount = Account & {
  membership: { personId: string; status: string } | null;
  institutionMembership: { id: string; institutionId: string } | null;
};
export const OWNED = {
  membership: { select: { personId: true, status: true } },
  institutionMembership: { select: { id: true, institutionId: true } },
} as const;

/** The viewer acts for this account: it is their own, or they are a delegate of its institution. */
async function actsFor(ctx: RequestContext, account: OwnedAccount): Promise<boolean> {
  if (!ctx.viewer) return false;
  if (account.membership?.personId === ctx.viewer.personId) return true;
  return !!account.institutionMembership && (await isDelegateOf(ctx, account.institutionMembership.institutionId));
}

function notActive(account: OwnedAccount): string | null {
  if (account.status !== "ACTIVE") return account.status;
  if (account.membership && account.membership.status !== "ACTIVE") return account.membership.status;
  return null;
}

/**
 * SOURCE: the sender, the source bank's coordinators, the approving institution's delegates.
 * TARGET: the receiving bank's coordinators. RECIPIENT: the member or institution receiving it.
 */
export type Side = "SOURCE" | "TARGET" | "RECIPIENT";

/**
 * A gift that needs the donor's institution's approval and has not had it (waiting, or refused,
 * or expired waiting): the recipient sees nothing of it (issue 22, anonymity that holds).
 */
export function unapproved(t: Pick<InterBankTransfer, "approverInstitutionMembershipId" | "approvedAt">): boolean {
  return !!t.approverInstitutionMembershipId && !t.approvedAt;
}

/**
 * Which side of the transfer the viewer sees it from, or null when they may not see it (the
 * recipient does not see a gift the donor's institution has not approved).
 */
async function sideOfViewer(ctx: RequestContext, t: InterBankTransfer): Promise<Side | null> {
  if (!ctx.viewer) return null;
  const viewer = ctx.viewer;
  if (isStaff(membershipIn(viewer, t.timebankId))) return "SOURCE";
  const delegated = await delegatedInstitutionIds(ctx);
  const [sender, recipient] = await Promise.all([
    ctx.db.account.findUnique({ where: { timebankId_id: { timebankId: t.timebankId, id: t.senderAccountId } }, include: OWNED }),
    ctx.db.account.findUnique({ where: { timebankId_id: { timebankId: t.targetTimebankId, id: t.recipientAccountId } }, include: OWNED }),
  ]);
  const owns = (a: OwnedAccount | null) =>
    !!a &&
    (a.membership?.personId === viewer.personId || (!!a.institutionMembership && delegated.has(a.institutionMembership.institutionId)));
  if (owns(sender)) return "SOURCE";
  if (t.approverInstitutionMembershipId) {
    const approver = await ctx.db.institutionMembership.findUnique({
      where: { timebankId_id: { timebankId: t.timebankId, id: t.approverInstitutionMembershipId } },
    });
    if (approver && delegated.has(approver.institutionId)) return "SOURCE";
  }
  if (isStaff(membershipIn(viewer, t.targetTimebankId))) return "TARGET";
  if (owns(recipient) && !unapproved(t)) return "RECIPIENT";
  return null;
}

async function nameOfAccount(db: Db | Tx, timebankId: string, accountId: string): Promise<string> {
  const a = await db.account.findUnique({
    where: { timebankId_id: { timebankId, id: accountId } },
    include: {
      membership: { select: { person: { select: { displayName: true } } } },
      institutionMembership: { select: { institution: { select: { name: true } } } },
    },
  });
  if (!a) return "";
  return a.membership?.person.displayName ?? a.institutionMembership?.institution.name ?? (a.kind === "POT" ? "Community pot" : "Account");
}

/**
 * The transfer as the viewer's side may see it. The receiving side learns the donor's name only
 * when the donor is named and their institution (if it must) approved; the recipient of an
 * anonymous gift learns the donor's bank only when the donor chose to show it.
 */
export async function viewOf(ctx: RequestContext, t: InterBankTransfer, side: Side) {
  const receiving = side !== "SOURCE";
  const donorName = receiving && (t.anonymous || unapproved(t)) ? null : await nameOfAccount(ctx.db, t.timebankId, t.senderAccountId);
  return {
    id: t.id,
    status: t.status,
    purpose: t.purpose,
    message: t.message,
    minutes: t.minutes,
    anonymous: t.anonymous,
    showSourceBank: t.showSourceBank,
    sourceBankId: side === "RECIPIENT" && t.anonymous && !t.showSourceBank ? null : t.timebankId,
    targetBankId: t.targetTimebankId,
    donorName,
    recipientKind: t.recipientKind,
    recipientName: await nameOfAccount(ctx.db, t.targetTimebankId, t.recipientAccountId),
    legTransferId: side === "SOURCE" ? t.sourceTransferId : t.targetTransferId,
    // The sender's key is the sending side's: the receiving side learns nothing of the sender's requests.
    idempotencyKey: side === "SOURCE" ? t.idempotencyKey : null,
    sourceTransferId: t.sourceTransferId,
    targetTransferId: t.targetTransferId,
    voidReason: t.voidReason,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    approvedAt: t.approvedAt,
    decidedAt: t.decidedAt,
    postedAt: t.postedAt,
  };
}

export type InterBankTransferView = Awaited<ReturnType<typeof viewOf>>;

/**
 * Both legs of a transfer the viewer already may see (a view from viewOf): each bank's transfer
 * id, status, minutes, key and commit position, without accounts, so that either side can
 * reconcile its bank's ledger with the other's. Each leg is read in its own bank's scope.
 */
export async function legsOf(
  ctx: RequestContext,
  t: Pick<InterBankTransferView, "sourceBankId" | "targetBankId" | "sourceTransferId" | "targetTransferId">,
) {
  const leg = (timebankId: string, id: string, source: boolean) =>
    withBankScope([timebankId], async () => {
      const row = await ctx.db.transfer.findUnique({ where: { timebankId_id: { timebankId, id } } });
      if (!row) throw new Error(`inter-bank leg ${id} of bank ${timebankId} is missing`);
      return {
        transferId: row.id,
        timebankId,
        source,
        status: row.status,
        minutes: row.minutes,
        idempotencyKey: row.idempotencyKey,
        sequence: row.seq,
        postedAt: row.postedAt,
      };
    });
  const target = await leg(t.targetBankId, t.targetTransferId, false);
  // An anonymous gift's recipient is not told the donor's bank (viewOf gives no source bank):
  // nor does the source leg tell it.
  return t.sourceBankId === null ? [target] : [await leg(t.sourceBankId, t.sourceTransferId, true), target];
}

/**
 * Who recorded an INTER_BANK leg, as Transfer.recordedBy shows it: the donor's name, except on
 * the target leg of an anonymous gift ("Anonymous donor", with the source bank only when the
 * donor chose to show it) or of a gift the donor's institution has not approved.
 */
export async function legRecordedBy(
  ctx: RequestContext,
  leg: { timebankId: string; groupId: string | null; createdById: string },
): Promise<string> {
  const ibt = leg.groupId ? await ctx.db.interBankTransfer.findFirst({ where: { id: leg.groupId } }) : null;
  if (ibt && leg.timebankId === ibt.targetTimebankId && (ibt.anonymous || unapproved(ibt))) {
    if (!ibt.showSourceBank) return "Anonymous donor";
    const source = await ctx.loaders.timebankById.load(ibt.timebankId);
    return `Anonymous donor (${source?.name ?? "partner bank"})`;
  }
  return (await ctx.loaders.personById.load(leg.createdById))?.displayName ?? "";
}

// ---- sending -----------------------------------------------------------------------------------

export interface Recipient {
  kind: "MEMBER" | "INSTITUTION" | "POT";
  account: OwnedAccount;
}

async function findRecipient(ctx: RequestContext, target: BankContext, input: SendHoursToOtherBankInput): Promise<Recipient> {
  // Any bank may be named as the target (the partnership is checked under lock, with its own
  // refusal): the recipient is looked up in that bank alone (row-level security scope).
  return withBankScope([target.bank.id], () => findRecipientIn(ctx, target, input));
}

async function findRecipientIn(ctx: RequestContext, target: BankContext, input: SendHoursToOtherBankInput): Promise<Recipient> {
  const given = [input.toMember, input.toInstitution, input.toPot ? true : null].filter((x) => x !== null && x !== undefined);
  if (given.length !== 1) throw badInput("give exactly one of toMember, toInstitution and toPot", "toMember");
  const where = { timebankId: target.bank.id };
  if (input.toMember) {
    const account = await ctx.db.account.findFirst({
      where: { ...where, kind: "MEMBER", membershipId: v.id(input.toMember, "toMember") },
      include: OWNED,
    });
    if (!account) throw notFound(`member in ${target.bank.slug}`);
    return { kind: "MEMBER", account };
  }
  if (input.toInstitution) {
    const account = await ctx.db.account.findFirst({
      where: {
        ...where,
        kind: "INSTITUTION",
        institutionMembership: { institutionId: v.id(input.toInstitution, "toInstitution"), status: "ACTIVE" },
      },
      include: OWNED,
    });
    if (!account) throw notFound(`institution in ${target.bank.slug}`);
    return { kind: "INSTITUTION", account };
  }
  const pot = await ctx.db.account.findFirst({ where: { ...where, kind: "POT" }, include: OWNED });
  if (!pot) throw notFound(`community pot of ${target.bank.slug}`);
  return { kind: "POT", account: pot };
}

/** Locks accounts of several banks in the ledger's one order (lock order step 4, ledger.engine.ts). */
const lockAccounts = lockAccountsInOrder;

/** Sum of an account's posted and pending debits or credits recorded in [from, to). */
export async function monthlyMinutes(
  tx: Tx,
  timebankId: string,
  accountId: string,
  side: "debit" | "credit",
  from: Date,
  to: Date,
): Promise<number> {
  const agg = await tx.transfer.aggregate({
    where: {
      timebankId,
      ...(side === "debit" ? { debitAccountId: accountId } : { creditAccountId: accountId }),
      status: { in: ["POSTED", "PENDING"] },
      createdAt: { gte: from, lt: to },
    },
    _sum: { minutes: true },
  });
  return agg._sum.minutes ?? 0;
}

export function capReached(
  institutionId: string,
  cap: InstitutionCap,
  requestedMinutes: number,
  remainingThisMonthMinutes: number | null,
  message: string,
) {
  return errorResult(InstitutionCapReached, "INSTITUTION_CAP_REACHED", message, {
    institutionId,
    cap,
    requestedMinutes,
    remainingThisMonthMinutes,
  });
}

/**
 * A member (from their own account) or an institution's delegate (from its account) sends
 * hours to a member, an institution or the pot of a partner bank. Posts at once, or waits for
 * the supervising institution's approval and/or the receiving bank's acceptance with the
 * minutes reserved on all four accounts.
 */
export async function sendHoursToOtherBank(
  ctx: RequestContext,
  input: SendHoursToOtherBankInput,
): Promise<InterBankTransferView | ErrorResult> {
  const viewer = requireViewer(ctx);
  const fromId = v.id(input.from, "from");
  const sender = await ctx.db.account.findFirst({ where: { id: fromId }, include: OWNED });
  if (!sender || !(await actsFor(ctx, sender))) throw notFound("account");
  const source = await timebanks.forBankId(ctx, sender.timebankId);
  const target = await timebanks.forBank(ctx, input.toBank);
  if (target.bank.id === source.bank.id) throw badInput("that is your own bank: use giveHours or donateToPot", "toBank");
  const minutes = rules.minutes(input.minutes);
  const message = rules.memo(input.message, "message");
  const anonymous = input.anonymous ?? false;
  if (input.showSourceBank && !anonymous)
    throw badInput("showSourceBank is for anonymous gifts: a named gift shows its bank anyway", "showSourceBank");
  const showSourceBank = anonymous && (input.showSourceBank ?? false);
  const key = rules.idempotencyKey(input.idempotencyKey);
  const recipient = await findRecipient(ctx, target, input);
  const hash = rules.requestHash("sendHoursToOtherBank", viewer.personId, {
    from: sender.id,
    toBank: target.bank.id,
    to: recipient.account.id,
    minutes,
    purpose: input.purpose,
    message,
    anonymous,
    // Only when set, so that the keys of requests made before the field existed still match.
    ...(showSourceBank ? { showSourceBank } : {}),
  });
  const reused = () =>
    appError("IDEMPOTENCY_KEY_REUSED", "this idempotencyKey was already used for a different request: use a new key for a new transfer");
  const result = await ledgerTransaction(
    source,
    async (tx) => {
      tx.afterCommit(() => tx.app.events.kick()); // publish the inter-bank events at once
      // Lock order step 1 (docs/ledger.md): the same key lock as every local posting of the bank,
      // so a key is one request at a time whatever kind of request uses it.
      await lockIdempotencyKey(tx.db, source.bank.id, key);
      const existing = await tx.db.interBankTransfer.findUnique({
        where: { timebankId_idempotencyKey: { timebankId: source.bank.id, idempotencyKey: key } },
      });
      if (existing) {
        if (existing.requestHash !== hash) throw reused();
        return existing;
      }
      const refused = await tx.db.refusedRequest.findUnique({
        where: { timebankId_idempotencyKey: { timebankId: source.bank.id, idempotencyKey: key } },
      });
      if (refused) {
        if (refused.requestHash !== hash) throw reused();
        return restoreRefusal(refused.result);
      }
      const legTaken = await tx.db.transfer.findFirst({ where: { timebankId: source.bank.id, idempotencyKey: key }, select: { id: true } });
      if (legTaken) throw reused();
      await tx.db.$executeRaw`SAVEPOINT inter_bank_send`;
      try {
        return await send(
          { db: tx.db, bank: tx.bank, now: tx.clock.now() },
          {
            sender,
            recipient,
            target: target.bank,
            minutes,
            message,
            anonymous,
            showSourceBank,
            purpose: input.purpose,
            key,
            hash,
            personId: viewer.personId,
          },
        );
      } catch (err) {
        if (!(err instanceof LedgerRefusal)) throw err;
        await tx.db.$executeRaw`ROLLBACK TO SAVEPOINT inter_bank_send`;
        await tx.db.refusedRequest.create({
          data: {
            timebankId: source.bank.id,
            idempotencyKey: key,
            requestHash: hash,
            result: storedRefusal(err.result),
            createdAt: tx.clock.now(),
          },
        });
        return err.result;
      }
    },
    [target.bank.id],
  ); // both banks: the two legs, clearing accounts and events
  if (!("id" in result) || !("sourceTransferId" in result)) return result as ErrorResult;
  return viewOf(ctx, result, "SOURCE");
}

export interface SendPlan {
  sender: OwnedAccount;
  recipient: Recipient;
  target: Timebank;
  minutes: number;
  message: string;
  anonymous: boolean;
  /** An anonymous donor lets the recipient see the source bank (optional for the demo seed). */
  showSourceBank?: boolean;
  purpose: TransferPurpose;
  key: string;
  hash: string;
  personId: string;
}

/** Where a transfer is sent from: the transaction, the source bank and the time of the request. */
export interface SendEnv {
  db: Tx;
  bank: Timebank;
  now: Date;
}

/** The checks and the moves of one inter-bank transfer, inside the caller's transaction (also used by the demo seed). */
export async function send(tx: SendEnv, plan: SendPlan): Promise<InterBankTransfer> {
  const { sender, recipient, target: targetBank, minutes, purpose } = plan;
  const target = { bank: targetBank };
  const sourceId = tx.bank.id;
  const targetId = target.bank.id;
  const now = tx.now;
  const partnership = await livePartnership(tx.db, sourceId, targetId);
  if (!partnership || partnership.status !== "ACTIVE") {
    refuse(
      errorResult(NoActivePartnership, "NO_ACTIVE_PARTNERSHIP", `${tx.bank.name} and ${target.bank.name} have no active partnership`, {
        partnershipStatus: partnership?.status ?? null,
      }),
    );
  }
  if (!partnership.purposes.includes(purpose)) {
    refuse(
      errorResult(
        PurposeNotAllowed,
        "PURPOSE_NOT_ALLOWED",
        `the partnership does not allow ${purpose.toLowerCase().replace(/_/g, " ")} transfers`,
        { allowedPurposes: partnership.purposes },
      ),
    );
  }
  const senderInactive = notActive(sender);
  if (senderInactive)
    refuse(
      errorResult(AccountNotActive, "ACCOUNT_NOT_ACTIVE", "your account takes part in no new transfer", {
        accountId: sender.id,
        accountStatus: senderInactive,
      }),
    );
  if (notActive(recipient.account))
    refuse(errorResult(RecipientNotActive, "RECIPIENT_NOT_ACTIVE", "the recipient cannot receive transfers at the moment"));

  // Institutions involved, locked (in one order) so that their monthly caps hold under concurrency.
  const senderInstitution = sender.institutionMembership
    ? await tx.db.institutionMembership.findUniqueOrThrow({
        where: { timebankId_id: { timebankId: sourceId, id: sender.institutionMembership.id } },
      })
    : null;
  const recipientInstitution = recipient.account.institutionMembership
    ? await tx.db.institutionMembership.findUniqueOrThrow({
        where: { timebankId_id: { timebankId: targetId, id: recipient.account.institutionMembership.id } },
      })
    : null;
  if (recipientInstitution && purpose === "INSTITUTIONAL_SERVICE" && !recipientInstitution.acceptsHoursAsPayment) {
    refuse(
      errorResult(PurposeNotAllowed, "PURPOSE_NOT_ALLOWED", "this institution does not accept hours as payment", {
        allowedPurposes: partnership.purposes.filter((p) => p !== "INSTITUTIONAL_SERVICE"),
      }),
    );
  }
  const supervision = sender.membershipId
    ? await tx.db.institutionSupervision.findUnique({
        where: { timebankId_membershipId: { timebankId: sourceId, membershipId: sender.membershipId } },
        include: { institutionMembership: true },
      })
    : null;
  // Supervision counts while it lasts and while the institution's membership is active.
  const supervisor =
    supervision && !supervision.endedAt && supervision.institutionMembership.status === "ACTIVE" ? supervision.institutionMembership : null;
  const approver = supervisor?.requiresApprovalOfMembersOutgoing ? supervisor : null;

  const toLock = [senderInstitution, recipientInstitution]
    .filter((x) => x !== null)
    .sort((a, b) => (a.timebankId + a.id < b.timebankId + b.id ? -1 : 1));
  for (const im of toLock) {
    await tx.db
      .$queryRaw`SELECT 1 AS locked FROM "InstitutionMembership" WHERE "timebankId" = ${im.timebankId}::uuid AND "id" = ${im.id}::uuid FOR UPDATE`;
  }
  if (senderInstitution?.monthlySpendCapMinutes != null) {
    const { from, to } = monthPeriod(monthOf(now, tx.bank.timezone), tx.bank.timezone);
    const spent = await monthlyMinutes(tx.db, sourceId, sender.id, "debit", from, to);
    if (spent + minutes > senderInstitution.monthlySpendCapMinutes) {
      const remaining = Math.max(0, senderInstitution.monthlySpendCapMinutes - spent);
      refuse(
        capReached(
          senderInstitution.institutionId,
          InstitutionCap.MONTHLY_SPEND,
          minutes,
          remaining,
          `this would pass the institution's monthly spending cap: ${remaining} minutes remain this month`,
        ),
      );
    }
  }
  if (recipientInstitution) {
    const { from, to } = monthPeriod(monthOf(now, target.bank.timezone), target.bank.timezone);
    if (recipientInstitution.monthlyAcceptCapMinutes != null) {
      const accepted = await monthlyMinutes(tx.db, targetId, recipient.account.id, "credit", from, to);
      if (accepted + minutes > recipientInstitution.monthlyAcceptCapMinutes) {
        refuse(
          capReached(
            recipientInstitution.institutionId,
            InstitutionCap.MONTHLY_ACCEPT,
            minutes,
            null,
            "the institution cannot accept this many more minutes this month",
          ),
        );
      }
    }
    if (purpose === "INSTITUTIONAL_SERVICE" && recipientInstitution.paymentCapPerMemberMinutes != null) {
      const paid = await tx.db.interBankTransfer.aggregate({
        where: {
          timebankId: sourceId,
          senderAccountId: sender.id,
          recipientInstitutionId: recipientInstitution.institutionId,
          purpose: "INSTITUTIONAL_SERVICE",
          status: { in: ["PENDING_APPROVAL", "PENDING_ACCEPTANCE", "POSTED"] },
          createdAt: { gte: from, lt: to },
        },
        _sum: { minutes: true },
      });
      const used = paid._sum.minutes ?? 0;
      if (used + minutes > recipientInstitution.paymentCapPerMemberMinutes) {
        const remaining = Math.max(0, recipientInstitution.paymentCapPerMemberMinutes - used);
        refuse(
          capReached(
            recipientInstitution.institutionId,
            InstitutionCap.PAYMENT_PER_MEMBER,
            minutes,
            remaining,
            `the institution takes at most ${recipientInstitution.paymentCapPerMemberMinutes} minutes a month from one member: ${remaining} remain for you`,
          ),
        );
      }
    }
  }

  const [sourceClearing, targetClearing] = await Promise.all([
    clearingOf(tx.db, sourceId, partnership.id),
    clearingOf(tx.db, targetId, partnership.id),
  ]);
  if (!sourceClearing || !targetClearing) throw new Error(`partnership ${partnership.id} is active without both clearing accounts`);
  const status: InterBankTransferStatus = approver
    ? "PENDING_APPROVAL"
    : partnership.incomingNeedsAcceptance
      ? "PENDING_ACCEPTANCE"
      : "POSTED";
  const sourceLeg = { debitAccountId: sender.id, creditAccountId: sourceClearing.accountId, minutes };
  const targetLeg = { debitAccountId: targetClearing.accountId, creditAccountId: recipient.account.id, minutes };
  await lockAccounts(tx.db, [
    { timebankId: sourceId, id: sender.id },
    { timebankId: sourceId, id: sourceClearing.accountId },
    { timebankId: targetId, id: targetClearing.accountId },
    { timebankId: targetId, id: recipient.account.id },
  ]);
  try {
    if (status === "POSTED") {
      await postDeltas(tx.db, sourceId, rules.netDeltas([sourceLeg]), now, { requireActive: true });
      await postDeltas(tx.db, targetId, rules.netDeltas([targetLeg]), now, { requireActive: true });
    } else {
      await reserveTransfer(tx.db, sourceId, sourceLeg, now);
      await reserveTransfer(tx.db, targetId, targetLeg, now);
    }
  } catch (err) {
    if (err instanceof LedgerRefusal)
      refuse(
        translateRefusal(
          err.result,
          partnership,
          tx.bank.id,
          [sourceClearing.accountId, targetClearing.accountId],
          recipient.account.id,
          minutes,
        ),
      );
    throw err;
  }
  if (supervision && supervisor) {
    // Issue 22: a supervised member gives only hours they hold (unless the institution allows
    // credit), and no more per month than the institution set for them. Checked after the
    // partnership's and the accounts' own limits (a refusal undoes the reservation: the caller's savepoint).
    if (!supervisor.supervisedMayUseCredit) {
      // The account after this transfer's own reservation or posting: what it held before.
      const after = await tx.db.account.findUniqueOrThrow({ where: { timebankId_id: { timebankId: sourceId, id: sender.id } } });
      const held = earnedMinutes({ balanceMinutes: after.balanceMinutes + minutes, pendingOutMinutes: after.pendingOutMinutes });
      if (held < minutes) {
        refuse(
          errorResult(InsufficientBalance, "INSUFFICIENT_BALANCE", `you may give only hours you have earned: ${held} minutes`, {
            accountId: sender.id,
            availableMinutes: held,
            requestedMinutes: minutes,
          }),
        );
      }
    }
    if (supervision.monthlySendLimitMinutes != null) {
      const { from, to } = monthPeriod(monthOf(now, tx.bank.timezone), tx.bank.timezone);
      const sent = await tx.db.interBankTransfer.aggregate({
        where: {
          timebankId: sourceId,
          senderAccountId: sender.id,
          status: { in: ["PENDING_APPROVAL", "PENDING_ACCEPTANCE", "POSTED"] },
          createdAt: { gte: from, lt: to },
        },
        _sum: { minutes: true },
      });
      const used = sent._sum.minutes ?? 0;
      if (used + minutes > supervision.monthlySendLimitMinutes) {
        const remaining = Math.max(0, supervision.monthlySendLimitMinutes - used);
        refuse(
          capReached(
            supervisor.institutionId,
            InstitutionCap.SUPERVISED_MEMBER_SEND,
            minutes,
            remaining,
            `you may send at most ${supervision.monthlySendLimitMinutes} minutes to other banks a month: ${remaining} remain`,
          ),
        );
      }
    }
  }

  const id = randomUUID();
  const legStatus: "POSTED" | "PENDING" = status === "POSTED" ? "POSTED" : "PENDING";
  const leg = {
    kind: "INTER_BANK" as const,
    status: legStatus,
    minutes,
    memo: plan.message,
    groupId: id,
    legIndex: 0,
    idempotencyKey: legKey(id),
    requestHash: plan.hash,
    createdById: plan.personId,
    createdAt: now,
    postedAt: status === "POSTED" ? now : null,
  };
  const [src] = await insertTransfers(tx.db, sourceId, [{ ...leg, ...sourceLeg }]);
  const [dst] = await insertTransfers(tx.db, targetId, [{ ...leg, ...targetLeg }]);
  const created = await tx.db.interBankTransfer.create({
    data: {
      timebankId: sourceId,
      id,
      targetTimebankId: targetId,
      partnershipId: partnership.id,
      status,
      purpose,
      message: plan.message,
      anonymous: plan.anonymous,
      showSourceBank: plan.showSourceBank ?? false,
      minutes,
      senderAccountId: sender.id,
      recipientKind: recipient.kind,
      recipientAccountId: recipient.account.id,
      recipientInstitutionId: recipientInstitution?.institutionId ?? null,
      approverInstitutionMembershipId: approver?.id ?? null,
      sourceTransferId: src.id,
      targetTransferId: dst.id,
      idempotencyKey: plan.key,
      requestHash: plan.hash,
      createdById: plan.personId,
      expiresAt: new Date(now.getTime() + partnership.pendingExpiryHours * 3_600_000),
      createdAt: now,
      postedAt: status === "POSTED" ? now : null,
    },
  });
  await recordInterBankChange(tx.db, created);
  return created;
}

/** A limit hit on a clearing account is the partnership's exposure cap; the recipient's limits are not shown to another bank. */
function translateRefusal(
  result: ErrorResult,
  p: Partnership,
  sourceId: string,
  clearingIds: string[],
  recipientAccountId: string,
  minutes: number,
): ErrorResult {
  const accountId = (result as { accountId?: string }).accountId;
  if (accountId && clearingIds.includes(accountId)) {
    const room =
      result instanceof CeilingExceeded ? result.roomMinutes : result instanceof InsufficientBalance ? result.availableMinutes : 0;
    return errorResult(
      ExposureCapReached,
      "EXPOSURE_CAP_REACHED",
      `this would pass the partnership's cap of ${capsFor(p, sourceId).outgoing} net minutes in this direction`,
      {
        partnershipId: p.id,
        remainingMinutes: Math.max(0, room),
        requestedMinutes: minutes,
      },
    );
  }
  if (accountId === recipientAccountId) {
    if (result instanceof CeilingExceeded)
      return errorResult(
        RecipientCeilingExceeded,
        "CEILING_EXCEEDED",
        "the recipient cannot receive this many minutes: it would pass their ceiling",
        { requestedMinutes: minutes },
      );
    return errorResult(RecipientNotActive, "RECIPIENT_NOT_ACTIVE", "the recipient cannot receive transfers at the moment");
  }
  return result;
}

// ---- deciding ----------------------------------------------------------------------------------

/**
 * Moves a transfer from one of `from` to `to` exactly once (a guarded UPDATE decides between
 * racers), and posts or voids both legs with it. Returns null when it was not in `from`.
 */
export async function transition(
  tx: Tx,
  t: InterBankTransfer,
  from: InterBankTransferStatus[],
  to: InterBankTransferStatus,
  by: { personId: string | null; reason?: string | null; approval?: boolean },
  now: Date,
): Promise<InterBankTransfer | null> {
  const fromList = from.map((s) => `${s}`);
  const rows = by.approval
    ? await tx.$queryRaw<{ id: string }[]>`
        UPDATE "InterBankTransfer" SET "status" = ${to}::"InterBankTransferStatus", "approvedById" = ${by.personId}::uuid, "approvedAt" = ${now},
          "postedAt" = CASE WHEN ${to} = 'POSTED' THEN ${now}::timestamptz ELSE NULL END
        WHERE "timebankId" = ${t.timebankId}::uuid AND "id" = ${t.id}::uuid AND "status"::text = ANY(${fromList}::text[]) RETURNING "id"`
    : await tx.$queryRaw<{ id: string }[]>`
        UPDATE "InterBankTransfer" SET "status" = ${to}::"InterBankTransferStatus", "decidedById" = ${by.personId}::uuid, "decidedAt" = ${now},
          "voidReason" = ${by.reason ?? null}, "postedAt" = CASE WHEN ${to} = 'POSTED' THEN ${now}::timestamptz ELSE NULL END
        WHERE "timebankId" = ${t.timebankId}::uuid AND "id" = ${t.id}::uuid AND "status"::text = ANY(${fromList}::text[]) RETURNING "id"`;
  if (rows.length !== 1) return null;
  // Read back through Prisma: raw rows carry driver-specific types (enum arrays, dates).
  const updated = await tx.interBankTransfer.findUniqueOrThrow({ where: { timebankId_id: { timebankId: t.timebankId, id: t.id } } });
  await recordInterBankChange(tx, updated);
  if (to === "PENDING_ACCEPTANCE") return updated;
  const [src, dst] = await Promise.all([
    tx.transfer.findUniqueOrThrow({ where: { timebankId_id: { timebankId: t.timebankId, id: t.sourceTransferId } } }),
    tx.transfer.findUniqueOrThrow({ where: { timebankId_id: { timebankId: t.targetTimebankId, id: t.targetTransferId } } }),
  ]);
  await lockAccounts(tx, [
    { timebankId: src.timebankId, id: src.debitAccountId },
    { timebankId: src.timebankId, id: src.creditAccountId },
    { timebankId: dst.timebankId, id: dst.debitAccountId },
    { timebankId: dst.timebankId, id: dst.creditAccountId },
  ]);
  const legStatus = to === "POSTED" ? "POSTED" : "VOIDED";
  const decision = {
    status: legStatus as "POSTED" | "VOIDED",
    decidedById: by.personId,
    voidReason: by.reason ?? (to === "EXPIRED" ? "expired" : null),
  };
  const a = await decideTransfer(tx, src.timebankId, src.id, decision, now);
  const b = await decideTransfer(tx, dst.timebankId, dst.id, decision, now);
  // WARNING: a leg decided on its own would break rule 6; the ledger refuses to decide INTER_BANK legs elsewhere.
  if (!a || !b) throw new Error(`inter-bank transfer ${t.id}: a leg was no longer pending`);
  return updated;
}

/** Finds a transfer by id for a decision; NOT_FOUND for anyone who may not see it. */
async function findForDecision(ctx: RequestContext, rawId: string): Promise<InterBankTransfer> {
  requireViewer(ctx);
  const t = await ctx.db.interBankTransfer.findFirst({ where: { id: v.id(rawId, "id") } });
  if (!t || !(await sideOfViewer(ctx, t))) throw notFound("inter-bank transfer");
  return t;
}

function notPending(t: InterBankTransfer): ErrorResult {
  if (
    t.status === "VOIDED" &&
    t.approvedById === null &&
    t.approverInstitutionMembershipId &&
    t.voidReason?.startsWith("approval refused")
  ) {
    return errorResult(ApprovalRefused, "APPROVAL_REFUSED", "the supervising institution refused this transfer: nothing moved", {
      reason: t.voidReason,
    });
  }
  return errorResult(
    InterBankTransferNotPending,
    "INTER_BANK_TRANSFER_NOT_PENDING",
    `this transfer is ${t.status.toLowerCase().replace("_", " ")}: it cannot be decided that way now`,
    { currentStatus: t.status },
  );
}

type Decision = {
  operation: "approve" | "refuse" | "accept" | "decline";
  reason?: string | null;
};

async function decide(ctx: RequestContext, rawId: string, d: Decision): Promise<InterBankTransferView | ErrorResult> {
  const viewer = requireViewer(ctx);
  const t = await findForDecision(ctx, rawId);
  // Who may decide what.
  if (d.operation === "approve" || d.operation === "refuse") {
    const approver = t.approverInstitutionMembershipId
      ? await ctx.db.institutionMembership.findUnique({
          where: { timebankId_id: { timebankId: t.timebankId, id: t.approverInstitutionMembershipId } },
        })
      : null;
    if (!approver || !(await isDelegateOf(ctx, approver.institutionId)))
      throw forbidden("only a delegate of the institution supervising the sender approves or refuses");
  } else if (!isStaff(membershipIn(viewer, t.targetTimebankId))) {
    throw forbidden("only a coordinator of the receiving bank accepts or declines");
  }
  const source = await timebanks.forBankId(ctx, t.timebankId);
  const result = await ledgerTransaction(
    source,
    async (tx) => {
      tx.afterCommit(() => tx.app.events.kick()); // publish the inter-bank events at once
      const now = tx.clock.now();
      const current = await tx.db.interBankTransfer.findUniqueOrThrow({ where: { timebankId_id: { timebankId: t.timebankId, id: t.id } } });
      if (PENDING.includes(current.status) && current.expiresAt <= now) {
        // Returned, not thrown: the expiry itself must commit.
        return notPending((await transition(tx.db, current, PENDING, "EXPIRED", { personId: null, reason: "expired" }, now)) ?? current);
      }
      const partnership = await tx.db.partnership.findUniqueOrThrow({ where: { id: current.partnershipId } });
      let done: InterBankTransfer | null = null;
      if (d.operation === "approve" || d.operation === "accept") {
        if (PENDING.includes(current.status) && partnership.status !== "ACTIVE") {
          return refuse(
            errorResult(
              NoActivePartnership,
              "NO_ACTIVE_PARTNERSHIP",
              "the partnership is not active: this transfer can only be declined, refused or left to expire",
              { partnershipStatus: partnership.status },
            ),
          );
        }
        const next = d.operation === "approve" && partnership.incomingNeedsAcceptance ? "PENDING_ACCEPTANCE" : "POSTED";
        done = await transition(
          tx.db,
          current,
          [d.operation === "approve" ? "PENDING_APPROVAL" : "PENDING_ACCEPTANCE"],
          next,
          { personId: viewer.personId, approval: d.operation === "approve" },
          now,
        );
        // The same decision arriving again (a retry) gets the transfer back.
        if (!done && d.operation === "approve" && current.approvedById === viewer.personId) return current;
        if (!done && d.operation === "accept" && current.status === "POSTED" && current.decidedById === viewer.personId) return current;
      } else {
        const reason =
          d.operation === "refuse"
            ? `approval refused${d.reason ? `: ${d.reason}` : ""}`
            : `declined by the receiving bank${d.reason ? `: ${d.reason}` : ""}`;
        const from: InterBankTransferStatus[] = d.operation === "refuse" ? ["PENDING_APPROVAL"] : PENDING;
        done = await transition(tx.db, current, from, "VOIDED", { personId: viewer.personId, reason }, now);
        if (!done && current.status === "VOIDED" && current.decidedById === viewer.personId) return current;
      }
      return done ?? refuse(notPending(current));
    },
    [t.targetTimebankId],
  ); // both banks: the two legs, clearing accounts and events
  if (!("sourceTransferId" in result)) return result;
  return viewOf(ctx, result, (await sideOfViewer(ctx, result)) ?? "SOURCE");
}

/** A delegate of the supervising institution approves: on to the receiving bank, or posted. */
export const approveInterBankTransfer = (ctx: RequestContext, id: string) => decide(ctx, id, { operation: "approve" });
/** A delegate of the supervising institution refuses: both legs voided, the minutes return. */
export const refuseInterBankTransfer = (ctx: RequestContext, id: string, reason?: string | null) =>
  decide(ctx, id, { operation: "refuse", reason: v.optionalText(reason, "reason", rules.MAX_MEMO_LENGTH) });
/** A coordinator of the receiving bank accepts: both legs post. */
export const acceptInterBankTransfer = (ctx: RequestContext, id: string) => decide(ctx, id, { operation: "accept" });
/** A coordinator of the receiving bank declines (also while approval is pending): both legs voided. */
export const declineInterBankTransfer = (ctx: RequestContext, id: string, reason?: string | null) =>
  decide(ctx, id, { operation: "decline", reason: v.optionalText(reason, "reason", rules.MAX_MEMO_LENGTH) });

// ---- expiry and ending -----------------------------------------------------------------------

/**
 * System job (`npm run federation:expire`, and on read): pending transfers past their expiry
 * time expire, both legs voided, the minutes back where they were. Each in its own retried
 * transaction; one decided meanwhile is skipped. Returns how many expired.
 */
export async function expireDueInterBankTransfers(db: Db, now: Date, where: Prisma.InterBankTransferWhereInput = {}): Promise<number> {
  // A system job, also when a read runs it: both banks' legs move (row-level security: every bank).
  return everyBank(async () => {
    const due = await db.interBankTransfer.findMany({
      where: { ...where, status: { in: PENDING }, expiresAt: { lte: now } },
      orderBy: { expiresAt: "asc" },
      take: 1000,
    });
    let expired = 0;
    for (const t of due) {
      const result = await retrying(db, (tx) => transition(tx, t, PENDING, "EXPIRED", { personId: null, reason: "expired" }, now));
      if (result) expired++;
    }
    return expired;
  });
}

/**
 * Either bank's admin ends the partnership: pending transfers are voided in the same
 * transaction (their minutes return); the clearing accounts keep the final position.
 */
export async function endPartnership(ctx: RequestContext, rawId: string): Promise<Partnership | ErrorResult> {
  const viewer = requireViewer(ctx);
  const p = await findPartnership(ctx, rawId);
  const adminOf = (id: string) => {
    const m = membershipIn(viewer, id);
    return !!m && m.status === "ACTIVE" && m.role === "ADMIN";
  };
  if (!adminOf(p.proposerBankId) && !adminOf(p.partnerBankId)) throw forbidden("only an admin of one of the two banks can do this");
  const bank = await timebanks.forBankId(ctx, adminOf(p.proposerBankId) ? p.proposerBankId : p.partnerBankId);
  return ledgerTransaction(
    bank,
    async (tx) => {
      tx.afterCommit(() => tx.app.events.kick()); // publish the inter-bank events at once
      const now = tx.clock.now();
      const changed = await tx.db.$executeRaw`
      UPDATE "Partnership" SET "status" = 'ENDED', "endedAt" = ${now}, "updatedAt" = ${now} WHERE "id" = ${p.id}::uuid AND "status" <> 'ENDED'`;
      if (changed === 1) {
        // Lock order step 2 for all of them before step 4 for any: every pending transfer's row,
        // then each one's accounts (transition); a decision of one of them waits here, not halfway.
        await tx.db
          .$queryRaw`SELECT 1 AS locked FROM "InterBankTransfer" WHERE "partnershipId" = ${p.id}::uuid AND "status"::text IN ('PENDING_APPROVAL', 'PENDING_ACCEPTANCE') ORDER BY "timebankId", "id" FOR UPDATE`;
        const pending = await tx.db.interBankTransfer.findMany({ where: { partnershipId: p.id, status: { in: PENDING } } });
        for (const t of pending)
          await transition(tx.db, t, PENDING, "VOIDED", { personId: viewer.personId, reason: "the partnership ended" }, now);
      }
      return tx.db.partnership.findUniqueOrThrow({ where: { id: p.id } }); // a retry finds it ended
    },
    [p.proposerBankId, p.partnerBankId],
  ); // pending transfers of both directions are voided
}

// ---- reading -----------------------------------------------------------------------------------

export async function getInterBankTransfer(ctx: RequestContext, rawId: string): Promise<InterBankTransferView> {
  requireViewer(ctx);
  const id = v.id(rawId, "id");
  await expireDueInterBankTransfers(ctx.app.database.prisma, ctx.clock.now(), { id });
  const t = await ctx.db.interBankTransfer.findFirst({ where: { id } });
  const side = t ? await sideOfViewer(ctx, t) : null;
  if (!t || !side) throw notFound("inter-bank transfer");
  return viewOf(ctx, t, side);
}

/** Coordinators: a bank's outgoing or incoming transfers, newest first (at most 200). */
export async function interBankTransfersOf(
  ctx: RequestContext,
  slug: string,
  direction: TransferDirection,
  status: InterBankTransferStatus | null,
) {
  const bank = await timebanks.forBank(ctx, slug);
  requireStaff(bank);
  const where: Prisma.InterBankTransferWhereInput =
    direction === TransferDirection.OUTGOING ? { timebankId: bank.bank.id } : { targetTimebankId: bank.bank.id };
  await expireDueInterBankTransfers(ctx.app.database.prisma, ctx.clock.now(), where);
  const rows = await ctx.db.interBankTransfer.findMany({
    where: { ...where, ...(status ? { status } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 200,
  });
  const side: Side = direction === TransferDirection.OUTGOING ? "SOURCE" : "TARGET";
  return Promise.all(rows.map((t) => viewOf(ctx, t, side)));
}

/** Delegates: the transfers of supervised members waiting for their institution's approval. */
export async function awaitingApproval(ctx: RequestContext, rawInstitutionId: string) {
  requireViewer(ctx);
  const institutionId = v.id(rawInstitutionId, "institutionId");
  if (!(await isDelegateOf(ctx, institutionId))) throw notFound("institution you act for");
  const memberships = await ctx.db.institutionMembership.findMany({ where: { institutionId }, select: { timebankId: true, id: true } });
  const where: Prisma.InterBankTransferWhereInput = {
    OR: memberships.map((m) => ({ timebankId: m.timebankId, approverInstitutionMembershipId: m.id })),
  };
  if (!memberships.length) return [];
  await expireDueInterBankTransfers(ctx.app.database.prisma, ctx.clock.now(), where);
  const rows = await ctx.db.interBankTransfer.findMany({
    where: { ...where, status: "PENDING_APPROVAL" },
    orderBy: { createdAt: "asc" },
    take: 200,
  });
  return Promise.all(rows.map((t) => viewOf(ctx, t, "SOURCE")));
}

/**
 * The viewer's own inter-bank transfers, sent and received (received anonymous ones without the
 * donor), and those of the institutions they act for, in every bank where it is an active member.
 */
export async function myInterBankTransfers(ctx: RequestContext) {
  const viewer = requireViewer(ctx);
  const accounts = await ctx.db.account.findMany({
    where: {
      OR: [
        { membership: { personId: viewer.personId } },
        {
          kind: "INSTITUTION",
          institutionMembership: { status: "ACTIVE", institution: { delegates: { some: { personId: viewer.personId } } } },
        },
      ],
    },
    select: { id: true },
  });
  const ids = accounts.map((a) => a.id);
  const where: Prisma.InterBankTransferWhereInput = { OR: [{ senderAccountId: { in: ids } }, { recipientAccountId: { in: ids } }] };
  await expireDueInterBankTransfers(ctx.app.database.prisma, ctx.clock.now(), where);
  const rows = await ctx.db.interBankTransfer.findMany({ where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 200 });
  // A gift the donor's institution has not approved is not the recipient's to see.
  const visible = rows.filter((t) => ids.includes(t.senderAccountId) || !unapproved(t));
  return Promise.all(visible.map((t) => viewOf(ctx, t, ids.includes(t.senderAccountId) ? "SOURCE" : "RECIPIENT")));
}
