// Real-time events of matchmaking: a member hears at once that they were asked to help.
import { Arg, Ctx, Field, ID, ObjectType, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { BankContext, RequestContext } from "../../context/context";
import type { Match } from "../../generated/prisma/client";
import { parseCursor } from "../events/events.rules";
import { bankForSubscription, recordEvent, subscribeToEvents } from "../events/events.service";
import type { DeliveredEvent } from "../events/events.types";
import { RealtimeEvent } from "../events/events.type";

declare module "../events/events.types" {
  interface EventPayloads {
    /** A member was proposed as the helper for a request. */
    matchProposed: { matchId: string; requestId: string };
  }
}

export async function recordMatchProposed(tx: BankContext, match: Match): Promise<void> {
  await recordEvent(tx, {
    type: "matchProposed",
    timebankId: match.timebankId,
    audience: { membershipIds: [match.candidateId] },
    payload: { matchId: match.id, requestId: match.requestId },
  });
}

@ObjectType({
  implements: RealtimeEvent,
  description: "You were proposed to help with a request: read `post(id: requestId)`, then acceptMatch or declineMatch.",
})
export class MatchProposed extends RealtimeEvent {
  @Field(() => ID)
  matchId: string;

  @Field(() => ID)
  requestId: string;
}

async function subscribeMatchProposed({
  args,
  context,
}: SubscribeResolverData<unknown, { timebank: string; since?: string | null }, RequestContext>) {
  const since = parseCursor(args.since);
  const timebankId = await bankForSubscription(context, args.timebank, { coordinators: false });
  return subscribeToEvents(context, { timebankIds: [timebankId], types: ["matchProposed"], since });
}

@Resolver()
export class MatchingEventsResolver {
  @Subscription(() => MatchProposed, {
    description: "Requests you were proposed for. With `since`, first the ones after that eventId.",
    subscribe: subscribeMatchProposed,
  })
  matchProposed(
    @Root() e: DeliveredEvent<"matchProposed">,
    @Arg("timebank", { description: "Bank slug." }) _timebank: string,
    @Arg("since", () => ID, { nullable: true }) _since: string | null,
    @Ctx() _ctx: RequestContext,
  ): MatchProposed {
    return { eventId: e.position, timebankId: e.timebankId, occurredAt: e.occurredAt, ...e.payload };
  }
}
