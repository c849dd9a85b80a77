// The real-time machinery of one process: the pub/sub, the outbox relay, and the access check
// every delivered event goes through. Built by createApp, started and stopped with the server.
import { everyBank } from "../../db/bank-scope";
import DataLoader from "dataloader";
import type { Config } from "../../config";
import type { Logger } from "../../common/logger";
import type { Database } from "../../db/database";
import { createMemoryBus, createRedisBus, type EventBus } from "./event-bus";
import { mayReceive, type MembershipState } from "./events.rules";
import type { DeliveredEvent } from "./events.types";
import { OutboxRelay } from "./relay";
import { lastPosition } from "./outbox";

export interface EventsRuntime {
  readonly bus: EventBus;
  readonly relay: OutboxRelay;
  readonly database: Database;
  /** Subscriptions currently open in this process (ended when the server stops). */
  readonly openStreams: Set<AsyncIterator<unknown>>;
  /** Whether the person may receive the event, by their membership in its bank as stored now. */
  mayReceive(personId: string, event: DeliveredEvent): Promise<boolean>;
  /**
   * Runs a catch-up query when one of a few slots is free: a thousand clients reconnecting at
   * once (after a deploy) must not take every database connection from the HTTP requests.
   */
  withReplaySlot<T>(fn: () => Promise<T>): Promise<T>;
  /** Notes the position of an event heard on the pub/sub (the point to catch up from after a reconnect). */
  heard(position: string): void;
  /** Publish what was just committed (called after a transaction that recorded events). */
  kick(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Membership lookups of every subscription in this process that hear the same event within a
 * couple of milliseconds go to the database as one query: a fresh read per event (correctness
 * first), without one query per subscriber.
 */
function membershipProbe(database: Database) {
  return new DataLoader<string, MembershipState | null>(
    async (keys) => {
      const byBank = new Map<string, string[]>();
      for (const key of keys) {
        const [timebankId, personId] = key.split(":");
        byBank.set(timebankId, [...(byBank.get(timebankId) ?? []), personId]);
      }
      // Infrastructure, not a request's read: every bank (row-level security, src/db/bank-scope.ts).
      const rows = await everyBank(() =>
        database.prisma.membership.findMany({
          where: { OR: [...byBank].map(([timebankId, personIds]) => ({ timebankId, personId: { in: personIds } })) },
          select: { id: true, timebankId: true, personId: true, role: true, status: true },
        }),
      );
      const found = new Map(rows.map((r) => [`${r.timebankId}:${r.personId}`, r]));
      return keys.map((k) => found.get(k) ?? null);
    },
    { cache: false, maxBatchSize: 2000, batchScheduleFn: (run) => setTimeout(run, 2) },
  );
}

/** At most `slots` calls of fn at a time; the others wait their turn in order. */
export function limiter(slots: number) {
  let free = slots;
  const queue: (() => void)[] = [];
  return async function run<T>(fn: () => Promise<T>): Promise<T> {
    if (free > 0) free--;
    else await new Promise<void>((resolve) => queue.push(resolve));
    try {
      return await fn();
    } finally {
      const next = queue.shift();
      if (next) next();
      else free++;
    }
  };
}

export function createEventsRuntime(
  config: Config,
  database: Database,
  log: Logger,
  bus: EventBus = config.redisUrl ? createRedisBus(config.redisUrl, log) : createMemoryBus(),
): EventsRuntime {
  const relay = new OutboxRelay(database.prisma, bus, log, {
    pollMs: config.outboxPollMs,
    retentionHours: config.outboxRetentionHours,
    minIntervalMs: config.outboxMinIntervalMs,
  });
  const probe = membershipProbe(database);
  let started = false;
  const openStreams = new Set<AsyncIterator<unknown>>();
  let lastHeard = 0n;
  // Messages published while the pub/sub connection was down never reach this process: every
  // open stream catches up from the last position heard before the drop (duplicates are dropped).
  bus.onReconnect(() => {
    log.info({ openStreams: openStreams.size, after: lastHeard.toString() }, "pub/sub reconnected: streams catch up from the outbox");
    for (const stream of openStreams) (stream as unknown as { catchUp(after: bigint): void }).catchUp(lastHeard);
  });
  const withReplaySlot = limiter(Math.max(1, Math.floor(config.databasePoolSize / 2)));
  return {
    bus,
    relay,
    database,
    openStreams,
    withReplaySlot,
    async mayReceive(personId, event) {
      return mayReceive(event, personId, await probe.load(`${event.timebankId}:${personId}`));
    },
    heard(position) {
      const p = BigInt(position);
      if (p > lastHeard) lastHeard = p;
    },
    // The relay is background work even when a request's commit kicks it: every bank.
    kick: () => everyBank(() => relay.kick(true)),
    async start() {
      if (started) return;
      // Everything up to the newest position was published before this process listened.
      lastHeard = await lastPosition(database.prisma);
      await bus.start();
      everyBank(() => relay.start()); // its timers are background work: every bank, whoever starts it
      started = true;
      log.info({ pubsub: bus.kind }, "real-time events started");
    },
    async stop() {
      if (!started) return;
      started = false;
      await Promise.all([...openStreams].map((stream) => stream.return?.()));
      await relay.stop();
      await bus.close();
    },
  };
}
