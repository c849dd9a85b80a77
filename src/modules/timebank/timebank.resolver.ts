import { Arg, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { resultUnion } from "../../common/results";
import { CreateTimebankInput, TimebankSettingsInput } from "./timebank.input";
import { memberCountFor } from "../stats/stats.public";
import * as timebanks from "./timebank.service";
import { Category, SlugTaken, Timebank, TimebankSettings } from "./timebank.type";

const CreateTimebankResult = resultUnion("CreateTimebankResult", Timebank, [SlugTaken]);

@Resolver(() => Timebank)
export class TimebankResolver {
  @Query(() => [Timebank], { description: "The public directory of banks in the federation." })
  timebanks(@Ctx() ctx: RequestContext) {
    return timebanks.listTimebanks(ctx);
  }

  @Query(() => Timebank, { description: "One bank by its slug; NOT_FOUND if there is none." })
  timebank(@Arg("slug") slug: string, @Ctx() ctx: RequestContext) {
    return timebanks.findBySlug(ctx, slug);
  }

  @Mutation(() => CreateTimebankResult, {
    description: "Platform admins only: a new bank with the default categories and its first admin.",
  })
  createTimebank(@Arg("input") input: CreateTimebankInput, @Ctx() ctx: RequestContext) {
    return timebanks.createTimebank(ctx, input);
  }

  @Mutation(() => Timebank, { description: "Bank admins only." })
  async updateTimebankSettings(@Arg("timebank") slug: string, @Arg("input") input: TimebankSettingsInput, @Ctx() ctx: RequestContext) {
    return timebanks.updateSettings(await timebanks.forBank(ctx, slug), input);
  }

  @FieldResolver(() => TimebankSettings)
  settings(@Root() bank: Timebank): TimebankSettings {
    return bank;
  }

  @FieldResolver(() => [Category])
  categories(@Root() bank: Timebank, @Ctx() ctx: RequestContext) {
    return ctx.loaders.categoriesByTimebank.load(bank.id);
  }

  @FieldResolver(() => Int, {
    description:
      "Active members. The bank's own members read the exact count; anyone else reads the count at the start of the day (UTC), " +
      "perturbed by the cell key method: never 1 or 2, at most 3 off, unbiased, the same however often it is asked (docs/statistics.md).",
  })
  memberCount(@Root() bank: Timebank, @Ctx() ctx: RequestContext) {
    return memberCountFor(ctx, bank.id);
  }
}
