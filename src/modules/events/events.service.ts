// Recording events (inside the caller's transaction) and opening a subscriber's stream.
import { unauthenticated } from "../../common/errors";
import type { RequestContext } from "../../context/context";
import { openEventStream, type StreamSpec } from "./event-stream";
import type { DeliveredEvent, EventType, NewEvent } from "./events.types";

/**
 * Writes an event to the outbox with ctx.db. Call it inside the transaction of the change
 * (inTransaction), so the event commits with the change or not at all; the relay publishes it
 * right after the commit.
 */
export async function recordEvent<T extends EventType>(ctx: RequestContext, event: NewEvent<T>): Promise<void> {
  const a = event.audience;
  await ctx.db.outboxEvent.create({
    data: {
      timebankId: event.timebankId,
      type: event.type,
      toAllMembers: a.allMembers ?? false,
      toCoordinators: a.coordinators ?? false,
      recipientMembershipIds: a.membershipIds ?? [],
      recipientPersonIds: a.personIds ?? [],
      payload: event.payload as object,
    },
    select: { id: true },
  });
  ctx.afterCommit(() => ctx.app.events.kick());
}

/**
 * The events of the given banks and types the viewer may receive: replayed after `since`, then
 * live. The caller checks that the viewer may subscribe at all; each event is checked again.
 */
export function subscribeToEvents<T extends EventType>(ctx: RequestContext, spec: Omit<StreamSpec<T>, "personId">): AsyncIterableIterator<DeliveredEvent<T>> {
  if (!ctx.viewer) throw unauthenticated();
  return openEventStream(ctx.app.events, { ...spec, personId: ctx.viewer.personId }, ctx.log);
}
