// The real-time events of the server and who may receive them. A module declares its event
// (type name -> payload of ids) by augmenting EventPayloads, records it with recordEvent inside
// its own transaction, and exposes a subscription built on subscribeToEvents.

/**
 * Event type -> payload. Each module adds its own events by augmenting this interface next to its
 * code (see member.events.ts), so modules never edit this file:
 *
 *   declare module "../events/events.types" {
 *     interface EventPayloads { transferReceived: { transferId: string; accountId: string } }
 *   }
 *
 * Payloads carry ids only: a client re-reads what it needs, with its own access rights.
 */
export interface EventPayloads {}

export type EventType = keyof EventPayloads;

/**
 * Who may receive an event, always among the ACTIVE members of the event's bank (a member who
 * left or is paused receives nothing). The sets add up: coordinators, plus these memberships,
 * plus these people; or every active member.
 */
export interface EventAudience {
  allMembers?: boolean;
  coordinators?: boolean;
  membershipIds?: string[];
  personIds?: string[];
}

export interface NewEvent<T extends EventType = EventType> {
  type: T;
  timebankId: string;
  audience: EventAudience;
  payload: EventPayloads[T];
}

/** An event as subscriptions see it, after publication. */
export interface DeliveredEvent<T extends EventType = EventType> {
  /** Outbox row id: what subscribers dedupe by. */
  id: string;
  /** The client's cursor (`eventId`, `since`): increases in publication order across processes. */
  position: string;
  timebankId: string;
  type: T;
  audience: Required<EventAudience>;
  payload: EventPayloads[T];
  occurredAt: Date;
}

/** What crosses the pub/sub: JSON, so the date travels as an ISO string. */
export type WireEvent = Omit<DeliveredEvent, "occurredAt"> & { occurredAt: string };
