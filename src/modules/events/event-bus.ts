// The pub/sub the relay publishes to and subscriptions listen on: in memory for one process,
// Redis for several (each process hears every event of the banks its subscribers watch).
import { createPubSub, type PubSub } from "@graphql-yoga/subscription";
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { Redis } from "ioredis";
import type { Logger } from "../../common/logger";
import type { WireEvent } from "./events.types";

export interface EventBus {
  readonly kind: "memory" | "redis";
  /** Resolves once the event is handed over; rejects when it could not be (the relay retries). */
  publish(topic: string, event: WireEvent): Promise<void>;
  /** Calls listener for every event published on topic, in publication order; returns the unsubscribe. */
  subscribe(topic: string, listener: (event: WireEvent) => void): () => void;
  /** Calls listener when the connection came back after a drop (messages in between are lost). */
  onReconnect(listener: () => void): void;
  start(): Promise<void>;
  close(): Promise<void>;
}

type Topics = Record<string, [WireEvent]>;

function listen(pubSub: PubSub<Topics>, topic: string, listener: (event: WireEvent) => void): () => void {
  const events = pubSub.subscribe(topic);
  void (async () => {
    for await (const event of events) listener(event);
  })();
  return () => void events.return?.();
}

export function createMemoryBus(): EventBus {
  const pubSub = createPubSub<Topics>();
  return {
    kind: "memory",
    async publish(topic, event) {
      pubSub.publish(topic, event);
    },
    subscribe: (topic, listener) => listen(pubSub, topic, listener),
    onReconnect() {}, // in-process: nothing to lose
    async start() {},
    async close() {},
  };
}

/**
 * Two connections, as Redis requires: one in subscriber mode, one to publish. The relay
 * publishes with the publish connection directly (awaited, so a failure rolls its batch back and
 * it is retried) using the same JSON encoding as the event target reads.
 */
export function createRedisBus(url: string, log: Logger): EventBus {
  // No offline queue on the publisher: while Redis is away a publish fails at once and the
  // relay retries the batch, rather than piling events up in this process's memory.
  const publisher = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(url, { lazyConnect: true });
  for (const [name, client] of [
    ["publish", publisher],
    ["subscribe", subscriber],
  ] as const) {
    client.on("error", (err: Error) => log.warn({ err: err.message, connection: name }, "redis connection error"));
  }
  const pubSub = createPubSub<Topics>({ eventTarget: createRedisEventTarget({ publishClient: publisher, subscribeClient: subscriber }) });
  const reconnectListeners: (() => void)[] = [];
  let readyBefore = false;
  // ioredis reconnects and resubscribes by itself; "ready" after the first one means a drop.
  subscriber.on("ready", () => {
    if (readyBefore) for (const l of reconnectListeners) l();
    readyBefore = true;
  });
  return {
    kind: "redis",
    async publish(topic, event) {
      await publisher.publish(topic, JSON.stringify(event));
    },
    subscribe: (topic, listener) => listen(pubSub, topic, listener),
    onReconnect: (listener) => void reconnectListeners.push(listener),
    async start() {
      await Promise.all([publisher.connect(), subscriber.connect()]);
    },
    async close() {
      await Promise.all([publisher.quit().catch(() => publisher.disconnect()), subscriber.quit().catch(() => subscriber.disconnect())]);
    },
  };
}

/**
 * Given to type-graphql's buildSchema, which requires a pubSub. Subscriptions in this server use
 * `subscribe` with subscribeToEvents (outbox replay, access check per event), never topics.
 */
export const topicSubscriptionsUnsupported = {
  publish(): never {
    throw new Error("publish real-time events with recordEvent (src/modules/events), inside the transaction of the change");
  },
  subscribe(): never {
    throw new Error("declare subscriptions with `subscribe: ... subscribeToEvents(...)`, not with topics");
  },
};
