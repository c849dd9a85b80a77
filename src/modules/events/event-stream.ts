// One subscription's events: first those missed since the client's cursor (from the outbox),
// then live ones from the pub/sub, each checked against the viewer's membership as it is now,
// without duplicates and in order.
import type { Logger } from "../../common/logger";
import type { EventsRuntime } from "./events.runtime";
import { bankTopic, fromWire, RecentKeys } from "./events.rules";
import type { DeliveredEvent, EventType, WireEvent } from "./events.types";
import { replayPage } from "./outbox";

export interface StreamSpec<T extends EventType> {
  personId: string;
  timebankIds: string[];
  types: T[];
  /** Position of the last event the client saw: replay what came after it first. */
  since: bigint | null;
  /** A subscription's own filter (arguments such as categories), after the access check. */
  matches?: (event: DeliveredEvent<T>) => boolean | Promise<boolean>;
}

const REPLAY_PAGE = 500;

/**
 * An AsyncIterator written by hand rather than an async generator: graphql-ws calls return()
 * when the client completes, and a generator suspended in an await would not end until the
 * next event arrived, leaking its listeners.
 */
class EventStream<T extends EventType> implements AsyncIterableIterator<DeliveredEvent<T>> {
  private readonly ready: DeliveredEvent<T>[] = [];
  private waiter: ((result: IteratorResult<DeliveredEvent<T>>) => void) | null = null;
  private done = false;
  private replaying: boolean;
  private buffered: WireEvent[] = [];
  /** Positions up to here were delivered by the replay (or seen by the client before). */
  private replayedUpTo: bigint;
  private readonly seen = new RecentKeys();
  private chain: Promise<void> = Promise.resolve();
  private readonly unsubscribe: (() => void)[];
  private readonly types: Set<string>;

  constructor(
    private readonly events: EventsRuntime,
    private readonly spec: StreamSpec<T>,
    private readonly log: Logger,
  ) {
    this.types = new Set(spec.types);
    this.replaying = spec.since !== null;
    this.replayedUpTo = spec.since ?? -1n;
    events.openStreams.add(this);
    // Listen first, replay second: nothing published in between is missed.
    this.unsubscribe = spec.timebankIds.map((id) => events.bus.subscribe(bankTopic(id), (e) => this.onLive(e)));
    if (this.replaying) void this.replay();
  }

  private onLive(wire: WireEvent): void {
    if (this.done || !this.types.has(wire.type)) return;
    if (this.replaying) this.buffered.push(wire);
    else this.enqueue(wire);
  }

  private enqueue(wire: WireEvent): void {
    this.chain = this.chain.then(() => this.consider(fromWire(wire) as DeliveredEvent<T>)).catch((err) => this.fail(err));
  }

  private async replay(): Promise<void> {
    try {
      for (;;) {
        const page = await this.events.withReplaySlot(() =>
          this.events.database.prisma.$transaction((tx) => replayPage(tx, this.spec.timebankIds, this.spec.types, this.replayedUpTo, REPLAY_PAGE), {
            maxWait: 10_000,
          }),
        );
        for (const wire of page) {
          await this.consider(fromWire(wire) as DeliveredEvent<T>);
          this.replayedUpTo = BigInt(wire.position);
        }
        if (page.length < REPLAY_PAGE || this.done) break;
      }
      this.replaying = false;
      const buffered = this.buffered;
      this.buffered = [];
      for (const wire of buffered) this.enqueue(wire);
    } catch (err) {
      this.fail(err);
    }
  }

  private async consider(event: DeliveredEvent<T>): Promise<void> {
    if (this.done || this.seen.has(event.id) || BigInt(event.position) <= this.replayedUpTo) return;
    if (!(await this.events.mayReceive(this.spec.personId, event))) return;
    if (this.spec.matches && !(await this.spec.matches(event))) return;
    this.seen.add(event.id);
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = null;
      resolve({ value: event, done: false });
    } else {
      this.ready.push(event);
    }
  }

  /** A database failure ends the subscription (the client resubscribes with `since`). */
  private fail(err: unknown): void {
    this.log.warn({ err: (err as Error)?.message ?? err }, "event stream failed; completing the subscription");
    void this.return();
  }

  next(): Promise<IteratorResult<DeliveredEvent<T>>> {
    const value = this.ready.shift();
    if (value) return Promise.resolve({ value, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiter = resolve));
  }

  async return(): Promise<IteratorResult<DeliveredEvent<T>>> {
    if (!this.done) {
      this.done = true;
      this.events.openStreams.delete(this);
      for (const off of this.unsubscribe) off();
      this.ready.length = 0;
      this.buffered = [];
      this.waiter?.({ value: undefined, done: true });
      this.waiter = null;
    }
    return { value: undefined, done: true };
  }

  async throw(err?: unknown): Promise<IteratorResult<DeliveredEvent<T>>> {
    await this.return();
    throw err;
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

export function openEventStream<T extends EventType>(events: EventsRuntime, spec: StreamSpec<T>, log: Logger): AsyncIterableIterator<DeliveredEvent<T>> {
  return new EventStream(events, spec, log);
}
