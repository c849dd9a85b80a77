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
  /** Positions up to here were replayed (or seen by the client before): live copies are dropped. */
  private replayedUpTo: bigint;
  private readonly seen = new RecentKeys();
  /**
   * Replays and live events are handled one after another on this chain, so live events that
   * arrive during a replay wait behind it (then duplicates are dropped) and order is kept.
   */
  private chain: Promise<void> = Promise.resolve();
  private readonly unsubscribe: (() => void)[];
  private readonly types: Set<string>;

  constructor(
    private readonly events: EventsRuntime,
    private readonly spec: StreamSpec<T>,
    private readonly log: Logger,
  ) {
    this.types = new Set(spec.types);
    this.replayedUpTo = spec.since ?? -1n;
    events.openStreams.add(this);
    // Listen first, replay second: nothing published in between is missed.
    this.unsubscribe = spec.timebankIds.map((id) => events.bus.subscribe(bankTopic(id), (e) => this.onLive(e)));
    if (spec.since !== null) this.catchUp(spec.since);
  }

  private onLive(wire: WireEvent): void {
    this.events.heard(wire.position);
    if (this.done || !this.types.has(wire.type)) return;
    this.enqueue(() => this.consider(fromWire(wire) as DeliveredEvent<T>));
  }

  // WARNING: never name this `then`: the stream would become a thenable and be awaited as a promise.
  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((err) => this.fail(err));
  }

  /**
   * Replays from the outbox what came after `after`: at subscription (the client's `since`) and
   * when the pub/sub reconnected after losing messages (from the last position heard before).
   */
  catchUp(after: bigint): void {
    this.enqueue(async () => {
      if (after > this.replayedUpTo) this.replayedUpTo = after;
      for (;;) {
        const page = await this.events.withReplaySlot(() =>
          this.events.database.prisma.$transaction(
            (tx) => replayPage(tx, this.spec.timebankIds, this.spec.types, this.replayedUpTo, REPLAY_PAGE),
            {
              maxWait: 10_000,
            },
          ),
        );
        for (const wire of page) {
          await this.consider(fromWire(wire) as DeliveredEvent<T>);
          this.replayedUpTo = BigInt(wire.position);
        }
        if (page.length < REPLAY_PAGE || this.done) return;
      }
    });
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

export function openEventStream<T extends EventType>(
  events: EventsRuntime,
  spec: StreamSpec<T>,
  log: Logger,
): AsyncIterableIterator<DeliveredEvent<T>> {
  return new EventStream(events, spec, log);
}
