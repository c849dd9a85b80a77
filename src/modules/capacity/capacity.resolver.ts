import { Arg, ClassType, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { resultUnion } from "../../common/results";
import { AbsenceType, CapacityPeriodKind, CapacityRequestStatus, ServiceCommitmentStatus } from "../../generated/prisma/enums";
import { Member } from "../member/member.type";
import * as timebanks from "../timebank/timebank.service";
import {
  CapacityPolicyInput,
  CapacityScheduleInput,
  CorrectionInput,
  DatedMinutesInput,
  PayoutInput,
  PositionInput,
  ServiceCommitmentInput,
  WorkLogInput,
} from "./capacity.input";
import * as capacity from "./capacity.service";
import * as payroll from "./capacity.payroll";
import * as probation from "./capacity.probation";
import {
  BalanceLimitExceeded,
  CapacityAuditEntry,
  CapacityMeterOn,
  CapacityPeriod,
  CapacityPosition,
  CapacitySettings,
  CompletionNotAcknowledgeable,
  DeletedWorkLog,
  LimitBreach,
  PayoutRequest,
  PayrollExport,
  PayrollLine,
  PeriodNotReady,
  SupervisedCommitment,
  TimeCorrection,
  CapacityPolicy,
  CapacitySchedule,
  CommitmentAlreadyCompleted,
  CommitmentNotFulfilled,
  DepositRequest,
  InsufficientTimeBalance,
  RequestAlreadyDecided,
  ServiceCommitment,
  TimeAccount,
  TimeAccountStatement,
  TimeOffRequest,
  WorkLog,
} from "./capacity.type";

const SubmitDepositResult = resultUnion("SubmitDepositResult", DepositRequest, [CapacityMeterOn]);
const DepositDecisionResult = resultUnion("DepositDecisionResult", DepositRequest, [RequestAlreadyDecided, CapacityMeterOn]);
const TimeOffDecisionResult = resultUnion("TimeOffDecisionResult", TimeOffRequest, [InsufficientTimeBalance, RequestAlreadyDecided]);
const CompleteServiceCommitmentResult = resultUnion("CompleteServiceCommitmentResult", ServiceCommitment, [
  CommitmentNotFulfilled,
  CommitmentAlreadyCompleted,
]);
const SetCapacityPolicyResult = resultUnion("SetCapacityPolicyResult", CapacityPolicy, [BalanceLimitExceeded]);
const SetCapacityScheduleResult = resultUnion("SetCapacityScheduleResult", CapacitySchedule, [BalanceLimitExceeded]);
const UpdateWorkLogResult = resultUnion("UpdateWorkLogResult", WorkLog, [BalanceLimitExceeded]);
const DeleteWorkLogResult = resultUnion("DeleteWorkLogResult", DeletedWorkLog, [BalanceLimitExceeded]);
const SetPositionResult = resultUnion("SetPositionResult", CapacityPosition, [BalanceLimitExceeded]);
const CorrectionResult = resultUnion("TimeCorrectionResult", TimeCorrection, [BalanceLimitExceeded]);
const ClosePeriodResult = resultUnion("CloseCapacityPeriodResult", CapacityPeriod, [PeriodNotReady]);
const PayoutDecisionResult = resultUnion("PayoutDecisionResult", PayoutRequest, [InsufficientTimeBalance, RequestAlreadyDecided]);
const AcknowledgeCompletionResult = resultUnion("AcknowledgeCompletionResult", SupervisedCommitment, [CompletionNotAcknowledgeable]);

const OVERRIDE = {
  nullable: true,
  description:
    "A coordinator's reason to allow a change that takes a balance below the organisation's negative limit (logged in the capacity audit).",
} as const;

@Resolver()
export class CapacityResolver {
  // ----- organisation --------------------------------------------------------------------------

  @Query(() => [CapacityPolicy], { description: "The bank's capacity meter settings over time (members of the bank)." })
  async capacityPolicies(@Arg("timebank", { description: "Bank slug." }) slug: string, @Ctx() ctx: RequestContext) {
    return capacity.listCapacityPolicies(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => SetCapacityPolicyResult, {
    description:
      "Bank admins: switch the capacity meter on (automatic deposits) or off (manual mode) from a date, with the negative-balance limit. Not in a closed period; refused if it lowers a balance below the limit, unless overridden.",
  })
  async setCapacityPolicy(
    @Arg("timebank") slug: string,
    @Arg("input") input: CapacityPolicyInput,
    @Arg("overrideLimitReason", () => String, OVERRIDE) overrideLimitReason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.setCapacityPolicy(await timebanks.forBank(ctx, slug), input, overrideLimitReason);
  }

  @Query(() => [CapacitySchedule], {
    description: "The organisation's default schedules, or one member's overrides (the member or a coordinator).",
  })
  async capacitySchedules(
    @Arg("timebank") slug: string,
    @Arg("member", () => ID, { nullable: true }) member: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.listCapacitySchedules(await timebanks.forBank(ctx, slug), member);
  }

  @Mutation(() => SetCapacityScheduleResult, {
    description:
      "Coordinators: planned minutes per weekday from a date, for the organisation or one member. Applies from that date only; not in a closed period; refused if it lowers a balance below the limit, unless overridden.",
  })
  async setCapacitySchedule(
    @Arg("timebank") slug: string,
    @Arg("input") input: CapacityScheduleInput,
    @Arg("overrideLimitReason", () => String, OVERRIDE) overrideLimitReason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.setCapacitySchedule(await timebanks.forBank(ctx, slug), input, overrideLimitReason);
  }

  @Query(() => CapacitySettings, { description: "The employer's period kind and how far periods are closed (members of the bank)." })
  async capacitySettings(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return payroll.capacitySettings(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => CapacitySettings, { description: "Bank admins: weekly or monthly working-time periods." })
  async setCapacitySettings(
    @Arg("timebank") slug: string,
    @Arg("periodKind", () => CapacityPeriodKind) periodKind: CapacityPeriodKind,
    @Ctx() ctx: RequestContext,
  ) {
    return payroll.setCapacitySettings(await timebanks.forBank(ctx, slug), periodKind);
  }

  @Query(() => [CapacityPeriod], { description: "The closed periods (members of the bank)." })
  async capacityPeriods(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return payroll.listCapacityPeriods(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => ClosePeriodResult, {
    description:
      "Coordinators: close the ended period starting on `startsOn`, in order. After it, nothing dated in it changes: only corrections in an open period.",
  })
  async closeCapacityPeriod(@Arg("timebank") slug: string, @Arg("startsOn") startsOn: string, @Ctx() ctx: RequestContext) {
    return payroll.closeCapacityPeriod(await timebanks.forBank(ctx, slug), startsOn);
  }

  @Mutation(() => SetPositionResult, {
    description: "Coordinators: a member's position percentage from a date; their plan becomes the organisation default scaled by it.",
  })
  async setPosition(
    @Arg("timebank") slug: string,
    @Arg("input") input: PositionInput,
    @Arg("overrideLimitReason", () => String, OVERRIDE) overrideLimitReason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return payroll.setPosition(await timebanks.forBank(ctx, slug), input, overrideLimitReason);
  }

  @Query(() => [CapacityPosition], { description: "A member's position percentages (the member or a coordinator)." })
  async capacityPositions(@Arg("timebank") slug: string, @Arg("member", () => ID) member: string, @Ctx() ctx: RequestContext) {
    return payroll.listPositions(await timebanks.forBank(ctx, slug), member);
  }

  @Query(() => PayrollExport, { description: "Coordinators: the payroll export of a closed period, a line per employee, with CSV." })
  async payrollExport(@Arg("timebank") slug: string, @Arg("startsOn") startsOn: string, @Ctx() ctx: RequestContext) {
    return payroll.payrollExport(await timebanks.forBank(ctx, slug), startsOn);
  }

  @Query(() => [CapacityAuditEntry], { description: "Coordinators: limit overrides, period closes and corrections, oldest first." })
  async capacityAudit(
    @Arg("timebank") slug: string,
    @Arg("member", () => ID, { nullable: true }) member: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return payroll.listCapacityAudit(await timebanks.forBank(ctx, slug), member);
  }

  // ----- work logs -----------------------------------------------------------------------------

  @Mutation(() => WorkLog, {
    description:
      "The member or a coordinator logs work on a day. Bad input (negative time, a break longer than the day, end before start, a date in another time zone) is BAD_USER_INPUT and changes nothing.",
  })
  logWork(@Arg("member", () => ID) member: string, @Arg("input") input: WorkLogInput, @Ctx() ctx: RequestContext) {
    return capacity.logWork(ctx, member, input);
  }

  @Mutation(() => UpdateWorkLogResult, {
    description:
      "Replaces a work log; the balance is recomputed from the logs, never added to twice. Not in a closed period; refused if it lowers the balance below the limit, unless a coordinator overrides.",
  })
  updateWorkLog(
    @Arg("id", () => ID) id: string,
    @Arg("input") input: WorkLogInput,
    @Arg("overrideLimitReason", () => String, OVERRIDE) overrideLimitReason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.updateWorkLog(ctx, id, input, overrideLimitReason);
  }

  @Mutation(() => DeleteWorkLogResult, {
    description:
      "Deletes a work log. Not in a closed period; refused if it lowers the balance below the limit, unless a coordinator overrides.",
  })
  deleteWorkLog(
    @Arg("id", () => ID) id: string,
    @Arg("overrideLimitReason", () => String, OVERRIDE) overrideLimitReason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.deleteWorkLog(ctx, id, overrideLimitReason);
  }

  @Query(() => [WorkLog], { description: "A member's work logs in a period (the member or a coordinator)." })
  workLogs(@Arg("member", () => ID) member: string, @Arg("from") from: string, @Arg("to") to: string, @Ctx() ctx: RequestContext) {
    return capacity.listWorkLogs(ctx, member, from, to);
  }

  // ----- the account ---------------------------------------------------------------------------

  @Query(() => TimeAccount, { description: "A member's capacity time account: yours, or anyone's in a bank you coordinate." })
  timeAccount(@Arg("member", () => ID) member: string, @Ctx() ctx: RequestContext) {
    return capacity.timeAccount(ctx, member);
  }

  @Query(() => TimeAccountStatement, {
    description: "Day by day: capacity, logged, deposited, withdrawn and running balance, with totals (at most 400 days).",
  })
  timeAccountStatement(
    @Arg("member", () => ID) member: string,
    @Arg("from") from: string,
    @Arg("to") to: string,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.timeAccountStatement(ctx, member, from, to);
  }

  // ----- manual deposits -----------------------------------------------------------------------

  @Mutation(() => SubmitDepositResult, {
    description: "Manual mode: submit hours to deposit; a coordinator approves. Refused while the capacity meter is on for that day.",
  })
  submitDeposit(@Arg("input") input: DatedMinutesInput, @Ctx() ctx: RequestContext) {
    return capacity.submitDeposit(ctx, input);
  }

  @Mutation(() => DepositDecisionResult, { description: "Coordinators (not for their own): approve a deposit, exactly once." })
  approveDeposit(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return capacity.decideDeposit(ctx, id, { decision: "APPROVED" });
  }

  @Mutation(() => DepositDecisionResult, { description: "Coordinators (not for their own): refuse a deposit, exactly once." })
  refuseDeposit(
    @Arg("id", () => ID) id: string,
    @Arg("reason", () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.decideDeposit(ctx, id, { decision: "REFUSED", reason });
  }

  @Query(() => [DepositRequest], { description: "Deposit requests: coordinators see the bank's, members their own." })
  async depositRequests(
    @Arg("timebank") slug: string,
    @Arg("member", () => ID, { nullable: true }) member: string | null,
    @Arg("status", () => CapacityRequestStatus, { nullable: true }) status: CapacityRequestStatus | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.listDepositRequests(await timebanks.forBank(ctx, slug), member, status);
  }

  // ----- time off in lieu ----------------------------------------------------------------------

  @Mutation(() => TimeOffRequest, {
    description:
      "Ask for an absence (time off in lieu by default; sickness, a child's sickness, holiday): minutes of the planned time on a day. More than is planned, or any on a day with nothing planned, is BAD_USER_INPUT.",
  })
  requestTimeOff(
    @Arg("input") input: DatedMinutesInput,
    @Arg("absenceType", () => AbsenceType, { nullable: true, description: "Default TIME_OFF_IN_LIEU." }) absenceType: AbsenceType | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.requestTimeOff(ctx, input, absenceType ?? "TIME_OFF_IN_LIEU");
  }

  @Mutation(() => TimeOffDecisionResult, {
    description:
      "Coordinators (not for their own): approve an absence, exactly once; time off in lieu is refused beyond the balance unless the organisation allows a negative balance down to its limit, or a coordinator overrides with a reason.",
  })
  approveTimeOff(
    @Arg("id", () => ID) id: string,
    @Arg("overrideLimitReason", () => String, OVERRIDE) overrideLimitReason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.decideTimeOff(ctx, id, { decision: "APPROVED" }, overrideLimitReason);
  }

  @Mutation(() => TimeOffDecisionResult, { description: "Coordinators (not for their own): refuse time off, exactly once." })
  refuseTimeOff(
    @Arg("id", () => ID) id: string,
    @Arg("reason", () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.decideTimeOff(ctx, id, { decision: "REFUSED", reason });
  }

  @Query(() => [TimeOffRequest], { description: "Time-off requests: coordinators see the bank's, members their own." })
  async timeOffRequests(
    @Arg("timebank") slug: string,
    @Arg("member", () => ID, { nullable: true }) member: string | null,
    @Arg("status", () => CapacityRequestStatus, { nullable: true }) status: CapacityRequestStatus | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.listTimeOffRequests(await timebanks.forBank(ctx, slug), member, status);
  }

  // ----- payouts and corrections ---------------------------------------------------------------

  @Mutation(() => PayoutRequest, { description: "The employee (or a coordinator) asks to have hours paid out." })
  requestPayout(@Arg("input") input: PayoutInput, @Ctx() ctx: RequestContext) {
    return payroll.requestPayout(ctx, input);
  }

  @Mutation(() => PayoutDecisionResult, {
    description:
      "Coordinators (not for their own): approve a payout, exactly once; the hours leave the account today and appear in the payroll export. Only hours the account holds are paid out.",
  })
  approvePayout(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return payroll.decidePayout(ctx, id, { decision: "APPROVED" });
  }

  @Mutation(() => PayoutDecisionResult, { description: "Coordinators (not for their own): refuse a payout, exactly once." })
  refusePayout(
    @Arg("id", () => ID) id: string,
    @Arg("reason", () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return payroll.decidePayout(ctx, id, { decision: "REFUSED", reason });
  }

  @Query(() => [PayoutRequest], { description: "Payout requests: coordinators see the bank's, members their own." })
  async payoutRequests(
    @Arg("timebank") slug: string,
    @Arg("member", () => ID, { nullable: true }) member: string | null,
    @Arg("status", () => CapacityRequestStatus, { nullable: true }) status: CapacityRequestStatus | null,
    @Ctx() ctx: RequestContext,
  ) {
    return payroll.listPayoutRequests(await timebanks.forBank(ctx, slug), member, status);
  }

  @Mutation(() => CorrectionResult, {
    description:
      "Coordinators (not on their own account): correct a balance by signed minutes, dated today in an open period, with a reason (audited).",
  })
  recordTimeCorrection(
    @Arg("input") input: CorrectionInput,
    @Arg("overrideLimitReason", () => String, OVERRIDE) overrideLimitReason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return payroll.recordTimeCorrection(ctx, input, overrideLimitReason);
  }

  // ----- community service ---------------------------------------------------------------------

  @Query(() => [ServiceCommitment], { description: "Coordinators: every community-service order of the bank." })
  async bankServiceCommitments(
    @Arg("timebank") slug: string,
    @Arg("status", () => ServiceCommitmentStatus, { nullable: true }) status: ServiceCommitmentStatus | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.listBankServiceCommitments(await timebanks.forBank(ctx, slug), status);
  }

  @Mutation(() => WorkLog, {
    description:
      "Coordinators (not on their own order): confirm community-service hours a person logged. Hours a coordinator logs are confirmed at once.",
  })
  confirmServiceLog(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return capacity.confirmServiceLog(ctx, id);
  }

  @Query(() => [SupervisedCommitment], {
    description: "Probation officers and court officers: the community-service orders their institutions supervise, in every bank.",
  })
  supervisedServiceCommitments(@Ctx() ctx: RequestContext) {
    return probation.supervisedServiceCommitments(ctx);
  }

  @Mutation(() => AcknowledgeCompletionResult, {
    description: "Probation officers and court officers: acknowledge the completion the bank recorded, once.",
  })
  acknowledgeServiceCompletion(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return probation.acknowledgeServiceCompletion(ctx, id);
  }

  @Mutation(() => ServiceCommitment, { description: "Coordinators: a community-service order of N minutes with a due date for a member." })
  createServiceCommitment(@Arg("input") input: ServiceCommitmentInput, @Ctx() ctx: RequestContext) {
    return capacity.createServiceCommitment(ctx, input);
  }

  @Mutation(() => CompleteServiceCommitmentResult, {
    description:
      "Coordinators: record that the order is served, once all its hours are logged and confirmed; the supervising officer then acknowledges it.",
  })
  completeServiceCommitment(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return capacity.completeServiceCommitment(ctx, id);
  }

  @Query(() => [ServiceCommitment], { description: "A member's community-service commitments with their progress." })
  serviceCommitments(@Arg("member", () => ID) member: string, @Ctx() ctx: RequestContext) {
    return capacity.listServiceCommitments(ctx, member);
  }
}

/** The `member` field of a capacity type, through the per-request loader. */
function memberFieldOf<T extends { membershipId: string | null }>(Type: ClassType<T>, nullable: boolean, description: string) {
  @Resolver(() => Type)
  class MemberFieldResolver {
    @FieldResolver(() => Member, { nullable, description })
    member(@Root() row: T, @Ctx() ctx: RequestContext) {
      return row.membershipId ? ctx.loaders.membershipById.load(row.membershipId) : null;
    }
  }
  return MemberFieldResolver;
}

@Resolver(() => WorkLog)
export class WorkLogResolver {
  @FieldResolver(() => Member)
  member(@Root() log: WorkLog, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(log.membershipId);
  }

  @FieldResolver(() => ID, { nullable: true, description: "The community-service commitment this work counts towards." })
  serviceCommitmentId(@Root() log: WorkLog) {
    return log.serviceCommitmentId;
  }
}

export const capacityResolvers = [
  CapacityResolver,
  WorkLogResolver,
  memberFieldOf(CapacitySchedule, true, "The member this override is for; null for the organisation default."),
  memberFieldOf(DepositRequest, false, "Whose time account."),
  memberFieldOf(TimeOffRequest, false, "Whose time account."),
  memberFieldOf(TimeAccount, false, "Whose time account."),
  memberFieldOf(TimeAccountStatement, false, "Whose time account."),
  memberFieldOf(ServiceCommitment, false, "Who serves it."),
  memberFieldOf(LimitBreach, false, "Whose balance."),
  memberFieldOf(PayoutRequest, false, "Whose time account."),
  memberFieldOf(TimeCorrection, false, "Whose time account."),
  memberFieldOf(CapacityPosition, false, "Whose position."),
  memberFieldOf(PayrollLine, false, "The employee."),
  memberFieldOf(CapacityAuditEntry, true, "Whose account it concerns, if one."),
] as const;
