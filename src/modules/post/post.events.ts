// Real-time events of posts: members hear at once when a neighbour asks for help.
import { Arg, Ctx, Field, ID, InputType, ObjectType, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { BankContext, RequestContext } from "../../context/context";
import type { Post } from "../../generated/prisma/client";
import { badInput } from "../../common/errors";
import { parseCursor } from "../events/events.rules";
import { bankForSubscription, recordEvent, subscribeToEvents } from "../events/events.service";
import type { DeliveredEvent } from "../events/events.types";
import { RealtimeEvent } from "../events/events.type";

declare module "../events/events.types" {
  interface EventPayloads {
    /** A new request for help; filters use its category, tags and neighbourhood. */
    requestPosted: { postId: string; categoryId: string | null; tags: string[]; neighbourhood: string | null };
  }
}

/** Records requestPosted for a new REQUEST, inside the transaction that created it. */
export async function recordRequestPosted(tx: BankContext, post: Post): Promise<void> {
  if (post.kind !== "REQUEST") return;
  await recordEvent(tx, {
    type: "requestPosted",
    timebankId: post.timebankId,
    audience: { allMembers: true },
    payload: { postId: post.id, categoryId: post.categoryId, tags: post.tags, neighbourhood: post.neighbourhood },
  });
}

@InputType({ description: "Only requests matching every given part: one of the categories, one of the tags, the neighbourhood." })
export class RequestPostedFilter {
  @Field(() => [String], { nullable: true, description: "Category slugs." })
  categories?: string[];

  @Field(() => [String], { nullable: true })
  tags?: string[];

  @Field({ nullable: true, description: "A neighbourhood: requests there, or without a place." })
  near?: string;
}

@ObjectType({ implements: RealtimeEvent, description: "A neighbour asked for help: read `post(id: postId)`." })
export class RequestPosted extends RealtimeEvent {
  @Field(() => ID)
  postId: string;
}

interface Args {
  timebank: string;
  filter?: RequestPostedFilter | null;
  since?: string | null;
}

async function subscribeRequestPosted({ args, context }: SubscribeResolverData<unknown, Args, RequestContext>) {
  const since = parseCursor(args.since);
  const timebankId = await bankForSubscription(context, args.timebank, { coordinators: false });
  const f = args.filter ?? {};
  let categoryIds: Set<string> | null = null;
  if (f.categories?.length) {
    const found = await context.db.category.findMany({
      where: { timebankId, slug: { in: f.categories } },
      select: { id: true, slug: true },
    });
    const unknown = f.categories.filter((s) => !found.some((c) => c.slug === s));
    if (unknown.length) throw badInput(`unknown category '${unknown[0]}' in ${args.timebank}`, "categories");
    categoryIds = new Set(found.map((c) => c.id));
  }
  const tags = f.tags?.length ? new Set(f.tags.map((t) => t.trim().toLowerCase())) : null;
  const near = f.near?.trim().toLowerCase() || null;
  return subscribeToEvents(context, {
    timebankIds: [timebankId],
    types: ["requestPosted"],
    since,
    // Server-side filters, after the access check of every event.
    matches: (e) =>
      (!categoryIds || (e.payload.categoryId !== null && categoryIds.has(e.payload.categoryId))) &&
      (!tags || e.payload.tags.some((t) => tags.has(t.toLowerCase()))) &&
      (!near || !e.payload.neighbourhood || e.payload.neighbourhood.toLowerCase() === near),
  });
}

@Resolver()
export class PostEventsResolver {
  @Subscription(() => RequestPosted, {
    description: "New requests for help in a bank you belong to, filtered on the server. With `since`, first the ones after that eventId.",
    subscribe: subscribeRequestPosted,
  })
  requestPosted(
    @Root() e: DeliveredEvent<"requestPosted">,
    @Arg("timebank", { description: "Bank slug." }) _timebank: string,
    @Arg("filter", () => RequestPostedFilter, { nullable: true }) _filter: RequestPostedFilter | null,
    @Arg("since", () => ID, { nullable: true }) _since: string | null,
    @Ctx() _ctx: RequestContext,
  ): RequestPosted {
    return { eventId: e.position, timebankId: e.timebankId, occurredAt: e.occurredAt, postId: e.payload.postId };
  }
}
