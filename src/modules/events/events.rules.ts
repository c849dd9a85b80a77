// Pure rules of real-time delivery: who may receive an event, cursors, topics.
import { badInput } from "../../common/errors";
import type { MembershipRole, MembershipStatus } from "../../generated/prisma/enums";
import type { DeliveredEvent, WireEvent } from "./events.types";

export interface MembershipState {
  id: string;
  role: MembershipRole;
  status: MembershipStatus;
}

/**
 * Whether a person may receive an event, given their membership in the event's bank as it is
 * now. Checked on every event, so leaving, a pause or losing the coordinator role takes effect
 * on the next event.
 */
export function mayReceive(event: Pick<DeliveredEvent, "audience">, personId: string, membership: MembershipState | null): boolean {
  if (!membership || membership.status !== "ACTIVE") return false;
  const a = event.audience;
  if (a.allMembers) return true;
  if (a.coordinators && (membership.role === "COORDINATOR" || membership.role === "ADMIN")) return true;
  return a.membershipIds.includes(membership.id) || a.personIds.includes(personId);
}

/** `since` as given by a client: the eventId of the last event it saw (absent: live events only). */
export function parseCursor(since: string | null | undefined): bigint | null {
  if (since === null || since === undefined) return null;
  if (!/^\d{1,18}$/.test(since)) throw badInput("since must be the eventId of an event you received", "since");
  return BigInt(since);
}

/** One pub/sub topic per bank: a process only hears the banks its subscribers watch. */
export const bankTopic = (timebankId: string) => `timebank-events:${timebankId}`;

export function fromWire(wire: WireEvent | DeliveredEvent): DeliveredEvent {
  return { ...wire, occurredAt: wire.occurredAt instanceof Date ? wire.occurredAt : new Date(wire.occurredAt) };
}

/** Remembers the last `capacity` keys seen, for deduplication without unbounded memory. */
export class RecentKeys {
  private readonly keys = new Set<string>();
  constructor(private readonly capacity = 2000) {}
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    this.keys.add(key);
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.values().next().value as string);
  }
}
