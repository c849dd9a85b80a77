import { Arg, Ctx, Int, Mutation, Query, Resolver } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { Person } from "../auth/auth.type";
import { Timebank } from "../timebank/timebank.type";
import * as stats from "./stats.service";
import { Participation, ParticipationInput, StatisticsInput, StatisticsReport } from "./stats.type";

@Resolver()
export class StatisticsResolver {
  @Query(() => StatisticsReport, {
    description:
      "Anonymised figures per period and group, small cells suppressed: every bank for the umbrella body, their own bank's rows for coordinators.",
  })
  statistics(@Arg("input", () => StatisticsInput) input: StatisticsInput, @Ctx() ctx: RequestContext) {
    return stats.statistics(ctx, input);
  }

  @Query(() => Participation, { nullable: true, description: "The viewer's own participation answers in a bank (null: none given)." })
  myParticipation(@Arg("timebank") timebank: string, @Ctx() ctx: RequestContext) {
    return stats.myParticipation(ctx, timebank);
  }

  @Mutation(() => Participation, {
    nullable: true,
    description: "Give (consent: true) or withdraw and erase (consent: false) one's participation answers.",
  })
  setMyParticipation(
    @Arg("timebank") timebank: string,
    @Arg("input", () => ParticipationInput) input: ParticipationInput,
    @Ctx() ctx: RequestContext,
  ) {
    return stats.setMyParticipation(ctx, timebank, input);
  }

  @Mutation(() => Person, { description: "Platform admins: grant or withdraw the umbrella role (read anonymised national statistics)." })
  setUmbrellaAccess(@Arg("email") email: string, @Arg("granted") granted: boolean, @Ctx() ctx: RequestContext) {
    return stats.setUmbrellaAccess(ctx, email, granted);
  }

  @Mutation(() => Timebank, {
    description: "Bank admins: the smallest number of people a published figure of the bank counts (5 or more).",
  })
  setStatisticsCellSize(@Arg("timebank") timebank: string, @Arg("minCellSize", () => Int) minCellSize: number, @Ctx() ctx: RequestContext) {
    return stats.setStatisticsCellSize(ctx, timebank, minCellSize);
  }
}
