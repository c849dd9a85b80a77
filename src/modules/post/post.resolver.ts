import type { GraphQLResolveInfo } from "graphql";
import { Arg, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { Connection, toConnection } from "../../common/pagination";
import { selectsAnywhere, selectsField } from "../../common/selection";
import { resultUnion } from "../../common/results";
import { PostStatus } from "../../generated/prisma/enums";
import { AvailabilityWindow, Member } from "../member/member.type";
import { Category, Timebank } from "../timebank/timebank.type";
import * as timebanks from "../timebank/timebank.service";
import { CreatePostInput, PostFilter, UpdatePostInput } from "./post.input";
import { effectiveStatus } from "./post.rules";
import * as posts from "./post.service";
import { actFor } from "../helper/helper.service";
import { Post, PostRefused, windowsOf } from "./post.type";

const PostConnection = Connection(Post, "Post");
const PostResult = resultUnion("PostResult", Post, [PostRefused]);

@Resolver(() => Post)
export class PostResolver {
  @Query(() => PostConnection, {
    description: "Offers and requests of a bank you belong to, newest first. Expired posts only when asked for.",
  })
  async posts(
    @Arg("timebank", { description: "Bank slug." }) slug: string,
    @Arg("filter", () => PostFilter, { nullable: true }) filter: PostFilter | null,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 1 to 100 (default 20)." }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
    @Info() info: GraphQLResolveInfo,
  ) {
    return toConnection(
      await posts.listPosts(await timebanks.forBank(ctx, slug), filter ?? {}, first, after, {
        withCount: selectsField(info, "totalCount"),
        withAuthors: selectsAnywhere(info, "author"),
      }),
    );
  }

  @Query(() => Post, { description: "One post of a bank you belong to; NOT_FOUND otherwise." })
  post(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return posts.getPost(ctx, id);
  }

  @Mutation(() => Post, {
    description: "Active members: offer help or ask for it. actingFor: an authorised helper posts for that member (logged).",
  })
  async createPost(
    @Arg("timebank") slug: string,
    @Arg("input") input: CreatePostInput,
    @Arg("actingFor", () => ID, { nullable: true }) actingFor: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return actFor(ctx, actingFor, "createPost", async (c) => posts.createPost(await timebanks.forBank(c, slug), input));
  }

  @Mutation(() => PostResult, { description: "The author or a coordinator: edit an open post." })
  updatePost(@Arg("id", () => ID) id: string, @Arg("input") input: UpdatePostInput, @Ctx() ctx: RequestContext) {
    return posts.updatePost(ctx, id, input);
  }

  @Mutation(() => PostResult, { description: "The author or a coordinator: close an open or matched post (CANCELLED)." })
  closePost(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return posts.closePost(ctx, id);
  }

  @FieldResolver(() => PostStatus, { description: "EXPIRED for an open post past its expiry." })
  status(@Root() post: Post, @Ctx() ctx: RequestContext) {
    return effectiveStatus(post, ctx.clock.now());
  }

  @FieldResolver(() => [AvailabilityWindow], { description: "Weekly windows, in the bank's time zone." })
  availability(@Root() post: Post) {
    return windowsOf(post);
  }

  @FieldResolver(() => [String], { description: "Specific days, YYYY-MM-DD." })
  dates(@Root() post: Post) {
    return post.dates.map((d) => d.toISOString().slice(0, 10));
  }

  @FieldResolver(() => Category, { nullable: true })
  category(@Root() post: Post, @Ctx() ctx: RequestContext) {
    return post.categoryId ? ctx.loaders.categoryById.load(post.categoryId) : null;
  }

  @FieldResolver(() => Member)
  author(@Root() post: Post, @Ctx() ctx: RequestContext) {
    return ctx.loaders.membershipById.load(post.authorId);
  }

  @FieldResolver(() => Timebank)
  timebank(@Root() post: Post, @Ctx() ctx: RequestContext) {
    return ctx.loaders.timebankById.load(post.timebankId);
  }
}
