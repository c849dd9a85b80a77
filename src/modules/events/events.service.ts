// Recording events (inside the caller's transaction) and opening a subscriber's stream.
import { forbidden, notFound, unauthenticated } from "../../common/errors";
import { requireViewer, type RequestContext } from "../../context/context";
import { isInsider, isStaff } from "../../context/access";
import { openEventStream, type StreamSpec } from "./event-stream";
import type { DeliveredEvent, EventType, NewEvent } from "./events.types";

/**
 * Writes an event to the outbox with ctx.db. Call it inside the transaction of the change
 * (inTransaction), so the event commits with the change or not at all; the relay publishes it
 * right after the commit.
 */
export async function recordEvent<T extends EventType>(ctx: RequestContext, event: NewEvent<T>): Promise<void> {
  await insertOutboxEvent(ctx.db, event);
  ctx.afterCommit(() => ctx.app.events.kick());
}

/**
 * The outbox row alone, for code that holds a transaction but no request context (jobs such as
 * expiry, or engines working on a bare transaction): the relay's poll publishes it.
 */
export async function insertOutboxEvent<T extends EventType>(
  db: Pick<RequestContext["db"], "outboxEvent">,
  event: NewEvent<T>,
): Promise<void> {
  await db.outboxEvent.create({ data: outboxRow(event), select: { id: true } });
}

/**
 * The OutboxEvent row of an event, for code that inserts it by other means (the ledger's
 * posting function writes it in the transfer's own statement). The caller then kicks the relay
 * after the commit (`ctx.afterCommit(() => ctx.app.events.kick())`), as recordEvent does.
 */
export function outboxRow<T extends EventType>(event: NewEvent<T>) {
  const a = event.audience;
  return {
    timebankId: event.timebankId,
    type: event.type as string,
    toAllMembers: a.allMembers ?? false,
    toCoordinators: a.coordinators ?? false,
    recipientMembershipIds: a.membershipIds ?? [],
    recipientPersonIds: a.personIds ?? [],
    payload: event.payload as object,
  };
}

/**
 * The events of the given banks and types the viewer may receive: replayed after `since`, then
 * live. The caller checks that the viewer may subscribe at all; each event is checked again.
 */
export function subscribeToEvents<T extends EventType>(
  ctx: RequestContext,
  spec: Omit<StreamSpec<T>, "personId">,
): AsyncIterableIterator<DeliveredEvent<T>> {
  if (!ctx.viewer) throw unauthenticated();
  return openEventStream(ctx.app.events, { ...spec, personId: ctx.viewer.personId }, ctx.log);
}

/**
 * Checks, against the database (not the connection's view at connect time), that the viewer
 * is an active member of the bank (a coordinator when `coordinators`), in one query. Returns
 * the bank's id. Outsiders get NOT_FOUND, members without the role FORBIDDEN.
 */
export async function bankForSubscription(ctx: RequestContext, slug: string, opts: { coordinators: boolean }): Promise<string> {
  const viewer = requireViewer(ctx);
  const membership = await ctx.db.membership.findFirst({
    where: { personId: viewer.personId, timebank: { slug } },
    select: { id: true, timebankId: true, role: true, status: true },
  });
  const asViewer = membership
    ? { timebankId: membership.timebankId, membershipId: membership.id, role: membership.role, status: membership.status }
    : null;
  if (!isInsider(asViewer)) throw notFound(`timebank '${slug}'`);
  if (asViewer.status !== "ACTIVE") throw forbidden(`your membership in ${slug} is paused`);
  if (opts.coordinators && !isStaff(asViewer)) throw forbidden("only the bank's coordinators receive these events");
  return asViewer.timebankId;
}
