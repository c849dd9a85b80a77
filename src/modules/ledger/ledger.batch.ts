// Group commit for postings. Every transfer-creating request of the ledger service ends with one
// posting (ledger_post_transfers: key, checks, guarded updates, legs, events). Sent one by one,
// concurrent requests each pay a round trip, a statement through Prisma and a commit with its
// WAL flush; on a busy bank that, not the work, is what the server and PostgreSQL spend their
// time on. The batcher queues the postings that arrive while earlier ones are on their way and
// sends them together through ledger_post_batch (migration 20261129000100): one statement, one
// commit, each posting still all-or-nothing in its own subtransaction with its own answer.
//
// What does not change: a posting's answer (created / existing / refused / reused, or its error)
// is the one ledger_post_transfers gives alone; nothing is acknowledged before its batch
// commits; the idempotency key still makes a retry after a lost answer safe. Lock order (ledger
// rule 7) holds across the batch: the function takes every key and then every account in
// order before the first posting runs. Reversals (which take a per-transfer lock) and postings
// made inside a caller's transaction never go through here.
//
// The postings of a batch share one transaction, without a subtransaction each (migration
// 20261129050000: those cost PostgreSQL more than the postings). A posting that cannot be made
// answers so without writing (an account outside its bank); anything a posting raises is a fault
// that undoes the whole batch, and then each of its postings is sent alone, on its own retries,
// so that none fails for another's sake.
import { selfScoped } from "../../db/bank-scope";
import type { Db } from "../../db/database";
import {
  backoffMs,
  isRetryable,
  MAX_ATTEMPTS,
  PostingError,
  postingArguments,
  postingOutcome,
  postTransfers,
  postTransfersOnce,
  type Posting,
  type PostingOutcome,
  type PostingRow,
} from "./ledger.engine";

interface Waiting {
  posting: Posting;
  attempt: number;
  resolve: (outcome: PostingOutcome) => void;
  reject: (err: unknown) => void;
}

export interface BatcherOptions {
  /** Most postings in one call (one transaction; a longer batch holds its accounts' locks longer). */
  maxBatch: number;
  /** Calls in flight at once (each holds one connection and runs on one PostgreSQL backend). */
  concurrency: number;
}

export const DEFAULT_BATCHER: BatcherOptions = { maxBatch: 32, concurrency: 2 };

/** Per-process queue of postings; `post` answers each one as if it had been sent alone. */
export class PostingBatcher {
  private readonly queue: Waiting[] = [];
  private inFlight = 0;
  /** Postings of failed calls being sent alone. */
  private lone = 0;
  private scheduled = false;
  /** Calls sent and postings carried, for tests and benchmarks. */
  readonly stats = { calls: 0, postings: 0, largest: 0 };

  constructor(
    private readonly db: Db,
    readonly options: BatcherOptions = DEFAULT_BATCHER,
  ) {
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1 || options.maxBatch > 60) throw new Error("maxBatch must be 1..60");
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error("concurrency must be at least 1");
  }

  /** Posts p (outside any transaction), retrying retryable failures like postTransfers. */
  post(p: Posting): Promise<PostingOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ posting: p, attempt: 1, resolve, reject });
      this.schedule();
    });
  }

  /** Postings waiting and calls in flight (for shutdown and tests). */
  get pending(): number {
    return this.queue.length + this.inFlight + this.lone;
  }

  // Sending waits for the end of the current turn of the event loop, so every request whose
  // posting is ready in this turn (several HTTP requests are read per turn under load) rides along.
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.queue.length) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      // The postings of several requests (and banks) in one statement: the SQL functions narrow
      // their own transaction to the banks they post in before anything else (row-level
      // security), so the batch runs on any connection as it is set, not in the scope of
      // whichever request scheduled it, and sends no setting of its own.
      void selfScoped(() => this.send(batch)).finally(() => {
        this.inFlight--;
        if (this.queue.length) this.schedule();
      });
    }
  }

  private async send(batch: Waiting[]): Promise<void> {
    this.stats.calls++;
    this.stats.postings += batch.length;
    this.stats.largest = Math.max(this.stats.largest, batch.length);
    if (batch.length === 1) {
      const [w] = batch;
      try {
        w.resolve(await postTransfersOnce(this.db, w.posting));
      } catch (err) {
        this.retryOrFail(w, err);
      }
      return;
    }
    let rows: (PostingRow & { idx: number; error_state: string | null; error_message: string | null })[];
    try {
      const json = JSON.stringify(batch.map((w) => postingArguments(w.posting)));
      rows = await this.db.$queryRaw`SELECT idx, outcome, result, error_state, error_message FROM ledger_post_batch(${json}::jsonb)`;
    } catch (err) {
      // The call as a whole failed, so nothing of it committed: a deadlock with another path's
      // locks, a lost connection, a timeout, or a fault of one posting that undid them all. Each
      // posting goes alone (postTransfers, with its own retries) and gets its own answer; the
      // idempotency keys make that safe even if the failure hid a commit.
      const delay = isRetryable(err) ? backoffMs(1) : 0;
      for (const w of batch) this.alone(w, delay);
      return;
    }
    const answered = new Set<number>();
    for (const row of rows) {
      const w = batch[row.idx];
      if (!w || answered.has(row.idx)) continue;
      answered.add(row.idx);
      if (row.error_state) this.retryOrFail(w, new PostingError(row.error_state, row.error_message ?? "posting failed"));
      else {
        try {
          w.resolve(postingOutcome(row));
        } catch (err) {
          w.reject(err);
        }
      }
    }
    batch.forEach((w, i) => answered.has(i) || w.reject(new Error(`ledger_post_batch gave no answer for posting ${i}`)));
  }

  /** Sends w alone, after `delay` ms. */
  private alone(w: Waiting, delay: number): void {
    this.lone++;
    setTimeout(() => {
      postTransfers(this.db, w.posting)
        .then(w.resolve, w.reject)
        .finally(() => this.lone--);
    }, delay);
  }

  private retryOrFail(w: Waiting, err: unknown): void {
    if (w.attempt >= MAX_ATTEMPTS || !isRetryable(err)) {
      w.reject(err);
      return;
    }
    w.attempt++;
    setTimeout(() => {
      this.queue.push(w);
      this.schedule();
    }, backoffMs(w.attempt));
  }
}

/** Whether a posting may go through the batcher (see the header). */
export function batchable(p: Posting): boolean {
  return !p.legs.some((l) => l.reversesTransferId);
}
