import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { Member } from "../member/member.type";
import * as timebanks from "../timebank/timebank.service";
import * as activities from "./activity.service";
import { Activity, ActivityInput, ActivitySignup } from "./activity.type";
import { resultUnion } from "../../common/results";
import { AccountNotActive, CeilingExceeded, InsufficientBalance, NotAllowed, SameAccount } from "../ledger/ledger.type";

const AttendanceResult = resultUnion(
  "AttendanceResult",
  Activity,
  [InsufficientBalance, CeilingExceeded, SameAccount, AccountNotActive, NotAllowed],
  "The held activity, or why the ledger refused its hours (then nothing changed).",
);

@Resolver(() => Activity)
export class ActivityResolver {
  @Query(() => [Activity], { description: "Planned activities of a bank you belong to, soonest first." })
  async activities(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return activities.upcomingActivities(await timebanks.forBank(ctx, slug));
  }

  @Query(() => Activity)
  activity(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return activities.getActivity(ctx, id);
  }

  @Mutation(() => Activity, { description: "Coordinators: plan a shared meal, repair café, language café or work party." })
  async createActivity(@Arg("timebank") slug: string, @Arg("input") input: ActivityInput, @Ctx() ctx: RequestContext) {
    return activities.createActivity(await timebanks.forBank(ctx, slug), input);
  }

  @Mutation(() => ActivitySignup, { description: "Sign up: a place if one is free, else the waiting list." })
  signUpForActivity(@Arg("activityId", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return activities.signUpForActivity(ctx, id);
  }

  @Mutation(() => ActivitySignup, { description: "Cancel your sign-up; the first on the waiting list gets the place." })
  cancelActivitySignup(@Arg("activityId", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return activities.cancelActivitySignup(ctx, id);
  }

  @Mutation(() => AttendanceResult, {
    description:
      "Coordinators: confirm who attended; the activity becomes HELD and the community pot pays the hours in one group exchange (the host's; and every attendee's at a work party).",
  })
  confirmAttendance(
    @Arg("activityId", () => ID) id: string,
    @Arg("attendeeIds", () => [ID]) attendeeIds: string[],
    @Ctx() ctx: RequestContext,
  ) {
    return activities.confirmAttendance(ctx, id, attendeeIds);
  }

  @FieldResolver(() => Member)
  host(@Root() a: Activity, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(a.hostId);
  }

  @FieldResolver(() => [ActivitySignup], { description: "Places first, then the waiting list, each in sign-up order." })
  signups(@Root() a: Activity, @Ctx() ctx: RequestContext) {
    return activities.signupsOf(ctx, a);
  }
}

@Resolver(() => ActivitySignup)
export class ActivitySignupResolver {
  @FieldResolver(() => Member)
  member(@Root() s: ActivitySignup, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(s.membershipId);
  }
}
