// Publishes outbox rows after their transaction committed: kicked right after a commit in this
// process, and polling for rows of other processes or of a publisher that crashed or failed.
import type { Logger } from "../../common/logger";
import type { Db } from "../../db/database";
import type { EventBus } from "./event-bus";
import { bankTopic } from "./events.rules";
import { claimBatch, hasUnpublished, trimPublished } from "./outbox";
import { everyBank, selfScoped } from "../../db/bank-scope";

export interface RelayOptions {
  pollMs: number;
  retentionHours: number;
  batchSize?: number;
  /** How often old published rows are trimmed. */
  trimEveryMs?: number;
  /**
   * Least time between the starts of two passes: commits that arrive meanwhile are published by
   * one pass. A commit with no pass in the last minIntervalMs is published at once; under load
   * this bounds the passes (three statements each) to 1000 / minIntervalMs a second. 0: no bound.
   */
  minIntervalMs?: number;
}

/**
 * Any process's relay may publish any row: batches are numbered, published and committed under
 * one advisory lock, so each event is published once across all processes and positions
 * increase in publication order. If a publish fails the batch rolls back and is retried by the
 * next pass; if a commit fails after a publish, the event is published again and subscribers
 * drop it by its id.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | null = null;
  private trimTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** A pass waiting for minIntervalMs to pass since the last one started. */
  private waiting: NodeJS.Timeout | null = null;
  private waitingKnownPending = false;
  private lastPassStarted = -Infinity;
  private started = false;
  private failures = 0;
  private readonly batchSize: number;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly opts: RelayOptions,
  ) {
    this.batchSize = opts.batchSize ?? 200;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.timer = setInterval(() => this.kick(false), this.opts.pollMs);
    this.timer.unref();
    const trimEvery = this.opts.trimEveryMs ?? 10 * 60_000;
    this.trimTimer = setInterval(() => void this.trim().catch((err) => this.log.warn({ err }, "outbox trim failed")), trimEvery);
    this.trimTimer.unref();
    this.kick(false);
  }

  /** Asks for a pass now (coalesced: at most one pass runs, and one more is queued). */
  kick(afterCommit = false): void {
    if (!this.started) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.waiting) {
      this.waitingKnownPending ||= afterCommit;
      return;
    }
    const wait = this.lastPassStarted + (this.opts.minIntervalMs ?? 0) - performance.now();
    if (wait > 0) {
      this.waitingKnownPending = afterCommit;
      this.waiting = setTimeout(() => {
        this.waiting = null;
        this.kick(this.waitingKnownPending);
      }, wait);
      return;
    }
    this.lastPassStarted = performance.now();
    this.running = this.drain(afterCommit).finally(() => {
      this.running = null;
      if (this.again && this.started) {
        this.again = false;
        this.kick(true);
      }
    });
  }

  /** Publishes until nothing is pending (or a publish fails: the poll retries). Returns events published. */
  async publishPending(knownPending = false): Promise<number> {
    let total = 0;
    for (let first = true; ; first = false) {
      // A kick follows a commit that recorded events: skip the look before the first batch.
      if (!(first && knownPending) && !(await everyBank(() => hasUnpublished(this.db)))) return total;
      // The transaction's connection is taken as it is set: its only statement, outbox_claim,
      // reads every bank by itself (no set_config round trip after a request's statements);
      // whatever publishing runs in this process (subscribers' checks) keeps every bank.
      const published = await selfScoped(() =>
        this.db.$transaction((tx) =>
          everyBank(async () => {
            const batch = await claimBatch(tx, this.batchSize);
            // In position order; with Redis the commands are pipelined on one connection, so they
            // arrive in this order too.
            await Promise.all(batch.map((event) => this.bus.publish(bankTopic(event.timebankId), event)));
            return batch.length;
          }),
        ),
      );
      total += published;
      if (published < this.batchSize) return total;
    }
  }

  private async drain(knownPending: boolean): Promise<void> {
    try {
      await this.publishPending(knownPending);
      if (this.failures) this.log.info({ afterFailures: this.failures }, "outbox relay publishing again");
      this.failures = 0;
    } catch (err) {
      this.failures++;
      // Logged once per outage (then every 100th attempt), not at every poll.
      if (this.failures === 1 || this.failures % 100 === 0) {
        this.log.warn(
          { err: (err as Error)?.message ?? err, failures: this.failures },
          "outbox relay could not publish; retrying at the next poll",
        );
      }
    }
  }

  trim(): Promise<number> {
    return trimPublished(this.db, this.opts.retentionHours);
  }

  /** Stops polling and waits for a pass in flight. */
  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    if (this.trimTimer) clearInterval(this.trimTimer);
    if (this.waiting) clearTimeout(this.waiting);
    this.timer = this.trimTimer = this.waiting = null;
    await this.running;
    // Flush: what committed just before the stop (its after-commit kick dropped) goes out now,
    // not at the next poll of another process. Nothing is lost either way: it is in the outbox.
    await this.publishPending().catch((err) => this.log.warn({ err }, "outbox flush at shutdown failed"));
  }
}
