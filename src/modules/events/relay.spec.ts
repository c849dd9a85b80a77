import type { Db } from "../../db/database";
import type { EventBus } from "./event-bus";
import type { Logger } from "../../common/logger";
import { OutboxRelay } from "./relay";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A database that has nothing to publish and records what the relay asks of it. */
function fakeDb() {
  const calls: string[] = [];
  const db = {
    $queryRaw: async (strings: TemplateStringsArray) => {
      calls.push(strings.join("?").includes("outbox_claim") ? "claim" : "look");
      return [];
    },
    $transaction: async (fn: (tx: unknown) => Promise<unknown>) => {
      calls.push("transaction");
      return fn(db);
    },
  };
  return { db: db as unknown as Db, calls };
}

const bus = { publish: async () => {} } as unknown as EventBus;
const log = { info: () => {}, warn: () => {} } as unknown as Logger;

describe("OutboxRelay passes", () => {
  it("publishes a lone commit at once, and commits within minIntervalMs of a pass in one more pass", async () => {
    const { db, calls } = fakeDb();
    const relay = new OutboxRelay(db, bus, log, { pollMs: 60_000, retentionHours: 1, minIntervalMs: 80 });
    relay.start(); // a first look, at once
    await sleep(100);
    calls.length = 0;
    relay.kick(true);
    await sleep(5);
    expect(calls.filter((c) => c === "transaction")).toHaveLength(1); // no wait for the first
    for (let i = 0; i < 10; i++) relay.kick(true);
    await sleep(20);
    expect(calls.filter((c) => c === "transaction")).toHaveLength(1); // the ten wait together
    await sleep(100);
    expect(calls.filter((c) => c === "transaction")).toHaveLength(2); // ... and go out in one pass
    await relay.stop();
  });

  it("without a bound, every kick after a finished pass starts one", async () => {
    const { db, calls } = fakeDb();
    const relay = new OutboxRelay(db, bus, log, { pollMs: 60_000, retentionHours: 1, minIntervalMs: 0 });
    relay.start();
    await sleep(20);
    calls.length = 0;
    for (let i = 0; i < 3; i++) {
      relay.kick(true);
      await sleep(5);
    }
    expect(calls.filter((c) => c === "transaction")).toHaveLength(3);
    await relay.stop();
  });

  it("stop() cancels a waiting pass and still flushes", async () => {
    const { db, calls } = fakeDb();
    const relay = new OutboxRelay(db, bus, log, { pollMs: 60_000, retentionHours: 1, minIntervalMs: 10_000 });
    relay.start();
    await sleep(20);
    relay.kick(true); // waits up to 10 s
    calls.length = 0;
    await relay.stop(); // returns without waiting for it; the flush looks once
    expect(calls).toEqual(["look"]);
  });
});
