// Real-time events of the member module: coordinators hear about new applications at once.
import { Arg, Ctx, Field, ID, ObjectType, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import { forbidden, notFound } from "../../common/errors";
import { loadViewer, requireViewer, type RequestContext } from "../../context/context";
import { isInsider, isStaff } from "../../context/access";
import { parseCursor } from "../events/events.rules";
import { subscribeToEvents } from "../events/events.service";
import type { DeliveredEvent } from "../events/events.types";
import { RealtimeEvent } from "../events/events.type";
import * as timebanks from "../timebank/timebank.service";

@ObjectType({ implements: RealtimeEvent, description: "Someone applied to join the bank: read `member(id: memberId)` to review the application." })
export class MembershipApplied extends RealtimeEvent {
  @Field(() => ID)
  memberId: string;
}

interface MembershipAppliedArgs {
  timebank: string;
  since?: string | null;
}

/** Coordinators (active) of the bank only; checked against the database, not the connection's token-time view. */
async function subscribeMembershipApplied({ args, context }: SubscribeResolverData<unknown, MembershipAppliedArgs, RequestContext>) {
  const viewer = requireViewer(context);
  const since = parseCursor(args.since);
  const bank = await timebanks.forBank(context, args.timebank);
  const fresh = await loadViewer(context.db, viewer.personId);
  const membership = fresh?.memberships.find((m) => m.timebankId === bank.bank.id) ?? null;
  if (!isInsider(membership)) throw notFound(`timebank ${args.timebank}`);
  if (!isStaff(membership)) throw forbidden("only the bank's coordinators receive applications");
  return subscribeToEvents(context, { timebankIds: [bank.bank.id], types: ["membershipApplied"], since });
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
