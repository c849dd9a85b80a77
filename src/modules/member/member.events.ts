// Real-time events of the member module: coordinators hear about new applications at once.
import { Arg, Ctx, Field, ID, ObjectType, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { parseCursor } from "../events/events.rules";
import { bankForSubscription, subscribeToEvents } from "../events/events.service";
import type { DeliveredEvent } from "../events/events.types";
import { RealtimeEvent } from "../events/events.type";

declare module "../events/events.types" {
  interface EventPayloads {
    /** Someone applied (or re-applied) to join a bank; for its coordinators. */
    membershipApplied: { memberId: string };
  }
}

@ObjectType({
  implements: RealtimeEvent,
  description: "Someone applied to join the bank: read `member(id: memberId)` to review the application.",
})
export class MembershipApplied extends RealtimeEvent {
  @Field(() => ID)
  memberId: string;
}

interface MembershipAppliedArgs {
  timebank: string;
  since?: string | null;
}

/** Active coordinators of the bank only; checked against the database, then again on every event. */
async function subscribeMembershipApplied({ args, context }: SubscribeResolverData<unknown, MembershipAppliedArgs, RequestContext>) {
  const since = parseCursor(args.since);
  const timebankId = await bankForSubscription(context, args.timebank, { coordinators: true });
  return subscribeToEvents(context, { timebankIds: [timebankId], types: ["membershipApplied"], since });
}

@Resolver()
export class MemberEventsResolver {
  @Subscription(() => MembershipApplied, {
    description: "Coordinators: new applications to join the bank. With `since`, first the ones after that eventId.",
    subscribe: subscribeMembershipApplied,
  })
  membershipApplied(
    @Root() event: DeliveredEvent<"membershipApplied">,
    @Arg("timebank", { description: "Bank slug." }) _timebank: string,
    @Arg("since", () => ID, { nullable: true, description: "The eventId of the last event you received." }) _since: string | null,
    @Ctx() _ctx: RequestContext,
  ): MembershipApplied {
    return { eventId: event.position, timebankId: event.timebankId, occurredAt: event.occurredAt, memberId: event.payload.memberId };
  }
}
