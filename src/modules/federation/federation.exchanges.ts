// Exchanges between an institution and a member of the same bank: institutions earn hours too
// (a prison's visitor centre runs school visits) and pay for help they receive (prisoners repair
// the clinic's bikes). The transfer is an ordinary EXCHANGE of the bank's ledger between the
// institution's account and the member's, so statements, verification and the caps that
// sendHoursToOtherBank checks all see it.
import { requirePostOfBank } from "../post/post.references";
import { errorResult, forbidden, notFound, type ErrorResult } from "../../common/errors";
import * as v from "../../common/validation";
import { requireViewer, type RequestContext } from "../../context/context";
import { isStaff, membershipIn } from "../../context/access";
import { registerRefusalTypes, type Transfer } from "../ledger/ledger.engine";
import { monthPeriod } from "../ledger/ledger.period";
import * as rules from "../ledger/ledger.rules";
import { createTransfers, memberAccount, optionalId, OWNER, pairRefusal, single, type OwnedAccount } from "../ledger/ledger.service";
import * as timebanks from "../timebank/timebank.service";
import { InstitutionExchangeDirection, type RecordInstitutionExchangeInput } from "./federation.input";
import { isDelegateOf } from "./federation.partners";
import { monthOf } from "./federation.rules";
import { capReached, monthlyMinutes } from "./federation.transfers";
import { InstitutionCap, InstitutionCapReached, InstitutionMembershipNotActive } from "./federation.type";

// A cap refusal is kept under the request's key like the ledger's own refusals.
registerRefusalTypes(InstitutionCapReached);

/**
 * Records an exchange between an institution of the bank and one of its members. A coordinator
 * records it posted at once. A delegate of the institution records it posted at once when the
 * institution pays (the payer consents by recording); when the institution earns, the member
 * pays, so it waits PENDING (minutes reserved) until the member confirms or rejects it with
 * confirmExchange / rejectExchange. The institution's monthly spending or accepting cap holds.
 */
export async function recordInstitutionExchange(
  ctx: RequestContext,
  input: RecordInstitutionExchangeInput,
): Promise<Transfer | ErrorResult> {
  requireViewer(ctx);
  const bank = await timebanks.forBank(ctx, input.timebank);
  const minutes = rules.minutes(input.minutes);
  const memo = rules.memo(input.memo);
  const key = rules.idempotencyKey(input.idempotencyKey);
  const relatedPostId = optionalId(input.relatedPostId, "relatedPostId");
  const institutionId = v.id(input.institutionId, "institutionId");
  const direction = input.direction; // an enum: GraphQL has refused any other value
  const staff = isStaff(membershipIn(bank.viewer!, bank.bank.id));
  const delegate = !staff && (await isDelegateOf(bank, institutionId));
  // Neither a coordinator of the bank nor a delegate of the institution: nothing to see here.
  if (!staff && !delegate) throw notFound(`institution in ${bank.bank.slug}`);
  const im = await bank.db.institutionMembership.findUnique({
    where: { timebankId_institutionId: { timebankId: bank.bank.id, institutionId } },
  });
  if (!im) throw notFound(`institution in ${bank.bank.slug}`);
  // Consent (issue 18): nothing is recorded against an institution that has not accepted the bank.
  if (im.status !== "ACTIVE") {
    return errorResult(
      InstitutionMembershipNotActive,
      "INSTITUTION_MEMBERSHIP_NOT_ACTIVE",
      `the institution's membership of ${bank.bank.slug} is ${im.status.toLowerCase()}: nothing can be recorded against it`,
      {
        institutionMembershipId: im.id,
        currentStatus: im.status,
      },
    );
  }
  const institution: OwnedAccount | null = await bank.db.account.findFirst({
    where: { timebankId: bank.bank.id, id: im.accountId },
    include: OWNER,
  });
  if (!institution) throw notFound(`institution in ${bank.bank.slug}`);
  const member = await memberAccount(bank, input.memberId, "memberId");
  await requirePostOfBank(bank, relatedPostId);
  const earns = direction === InstitutionExchangeDirection.INSTITUTION_GAVE;
  const [debit, credit] = earns ? [member, institution] : [institution, member];
  // A delegate does not move minutes between their institution and themselves.
  if (!staff && member.membership?.personId === bank.viewer!.personId) {
    throw forbidden("a delegate cannot record an exchange between their institution and themselves: a coordinator records it");
  }
  const status = staff || !earns ? "POSTED" : "PENDING";
  return single(
    await createTransfers(
      bank,
      {
        operation: "recordInstitutionExchange",
        key,
        payload: { institution: institution.id, member: member.id, direction, minutes, memo, relatedPostId },
        check: () => pairRefusal(debit, credit),
        checkInTransaction: async (tx) => {
          // The institution's caps count every minute it spent or accepted this month, in this
          // bank and to or from partner banks alike; the row lock serialises competing checks.
          // The caps are read under the row lock, so a cap changed meanwhile is the one applied.
          const [caps] = await tx.db.$queryRaw<{ accept: number | null; spend: number | null }[]>`
            SELECT "monthlyAcceptCapMinutes" AS "accept", "monthlySpendCapMinutes" AS "spend"
              FROM "InstitutionMembership" WHERE "timebankId" = ${im.timebankId}::uuid AND "id" = ${im.id}::uuid FOR UPDATE`;
          const cap = earns ? caps.accept : caps.spend;
          if (cap == null) return null;
          const { from, to } = monthPeriod(monthOf(tx.clock.now(), tx.bank.timezone), tx.bank.timezone);
          const used = await monthlyMinutes(tx.db, tx.bank.id, institution.id, earns ? "credit" : "debit", from, to);
          if (used + minutes <= cap) return null;
          const remaining = Math.max(0, cap - used);
          return capReached(
            institutionId,
            earns ? InstitutionCap.MONTHLY_ACCEPT : InstitutionCap.MONTHLY_SPEND,
            minutes,
            remaining,
            `this would pass the institution's monthly ${earns ? "accepting" : "spending"} cap: ${remaining} minutes remain this month`,
          );
        },
      },
      [{ kind: "EXCHANGE", status, debit, credit, minutes, memo, relatedPostId }],
    ),
  );
}
