import { Arg, ClassType, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { resultUnion } from "../../common/results";
import { CapacityRequestStatus } from "../../generated/prisma/enums";
import { Member } from "../member/member.type";
import * as timebanks from "../timebank/timebank.service";
import { CapacityPolicyInput, CapacityScheduleInput, DatedMinutesInput, ServiceCommitmentInput, WorkLogInput } from "./capacity.input";
import * as capacity from "./capacity.service";
import {
  CapacityMeterOn,
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
const CompleteServiceCommitmentResult = resultUnion("CompleteServiceCommitmentResult", ServiceCommitment, [CommitmentNotFulfilled, CommitmentAlreadyCompleted]);

@Resolver()
export class CapacityResolver {
  // ----- organisation --------------------------------------------------------------------------

  @Query(() => [CapacityPolicy], { description: "The bank's capacity meter settings over time (members of the bank)." })
  async capacityPolicies(@Arg("timebank", { description: "Bank slug." }) slug: string, @Ctx() ctx: RequestContext) {
    return capacity.listCapacityPolicies(await timebanks.forBank(ctx, slug));
  }

  @Mutation(() => CapacityPolicy, { description: "Bank admins: switch the capacity meter on (automatic deposits) or off (manual mode) from a date, with the negative-balance limit." })
  async setCapacityPolicy(@Arg("timebank") slug: string, @Arg("input") input: CapacityPolicyInput, @Ctx() ctx: RequestContext) {
    return capacity.setCapacityPolicy(await timebanks.forBank(ctx, slug), input);
  }

  @Query(() => [CapacitySchedule], { description: "The organisation's default schedules, or one member's overrides (the member or a coordinator)." })
  async capacitySchedules(
    @Arg("timebank") slug: string,
    @Arg("member", () => ID, { nullable: true }) member: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return capacity.listCapacitySchedules(await timebanks.forBank(ctx, slug), member);
  }

  @Mutation(() => CapacitySchedule, { description: "Coordinators: planned minutes per weekday from a date, for the organisation or one member. Applies from that date only." })
  async setCapacitySchedule(@Arg("timebank") slug: string, @Arg("input") input: CapacityScheduleInput, @Ctx() ctx: RequestContext) {
    return capacity.setCapacitySchedule(await timebanks.forBank(ctx, slug), input);
  }

  // ----- work logs -----------------------------------------------------------------------------

  @Mutation(() => WorkLog, { description: "The member or a coordinator logs work on a day. Bad input (negative time, a break longer than the day, end before start, a date in another time zone) is BAD_USER_INPUT and changes nothing." })
  logWork(@Arg("member", () => ID) member: string, @Arg("input") input: WorkLogInput, @Ctx() ctx: RequestContext) {
    return capacity.logWork(ctx, member, input);
  }

  @Mutation(() => WorkLog, { description: "Replaces a work log; the balance is recomputed from the logs, never added to twice." })
  updateWorkLog(@Arg("id", () => ID) id: string, @Arg("input") input: WorkLogInput, @Ctx() ctx: RequestContext) {
    return capacity.updateWorkLog(ctx, id, input);
  }

  @Mutation(() => ID, { description: "Deletes a work log; returns its id." })
  deleteWorkLog(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return capacity.deleteWorkLog(ctx, id);
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

  @Query(() => TimeAccountStatement, { description: "Day by day: capacity, logged, deposited, withdrawn and running balance, with totals (at most 400 days)." })
  timeAccountStatement(@Arg("member", () => ID) member: string, @Arg("from") from: string, @Arg("to") to: string, @Ctx() ctx: RequestContext) {
    return capacity.timeAccountStatement(ctx, member, from, to);
  }

  // ----- manual deposits -----------------------------------------------------------------------

  @Mutation(() => SubmitDepositResult, { description: "Manual mode: submit hours to deposit; a coordinator approves. Refused while the capacity meter is on for that day." })
  submitDeposit(@Arg("input") input: DatedMinutesInput, @Ctx() ctx: RequestContext) {
    return capacity.submitDeposit(ctx, input);
  }

  @Mutation(() => DepositDecisionResult, { description: "Coordinators (not for their own): approve a deposit, exactly once." })
  approveDeposit(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return capacity.decideDeposit(ctx, id, { decision: "APPROVED" });
  }

  @Mutation(() => DepositDecisionResult, { description: "Coordinators (not for their own): refuse a deposit, exactly once." })
  refuseDeposit(@Arg("id", () => ID) id: string, @Arg("reason", () => String, { nullable: true }) reason: string | null, @Ctx() ctx: RequestContext) {
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

  @Mutation(() => TimeOffRequest, { description: "Ask for time off in lieu: minutes to take out of the time account on a day." })
  requestTimeOff(@Arg("input") input: DatedMinutesInput, @Ctx() ctx: RequestContext) {
    return capacity.requestTimeOff(ctx, input);
  }

  @Mutation(() => TimeOffDecisionResult, { description: "Coordinators (not for their own): approve time off, exactly once; refused beyond the balance unless the organisation allows a negative balance down to its limit." })
  approveTimeOff(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return capacity.decideTimeOff(ctx, id, { decision: "APPROVED" });
  }

  @Mutation(() => TimeOffDecisionResult, { description: "Coordinators (not for their own): refuse time off, exactly once." })
  refuseTimeOff(@Arg("id", () => ID) id: string, @Arg("reason", () => String, { nullable: true }) reason: string | null, @Ctx() ctx: RequestContext) {
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

  // ----- community service ---------------------------------------------------------------------

  @Mutation(() => ServiceCommitment, { description: "Coordinators: a community-service order of N minutes with a due date for a member." })
  createServiceCommitment(@Arg("input") input: ServiceCommitmentInput, @Ctx() ctx: RequestContext) {
    return capacity.createServiceCommitment(ctx, input);
  }

  @Mutation(() => CompleteServiceCommitmentResult, { description: "Coordinators (standing in for the institution): record that the order is served, once all its hours are logged." })
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
] as const;
