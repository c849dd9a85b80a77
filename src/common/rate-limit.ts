// Fixed-window rate limits per key (client address, person, email). In memory for one process;
// a Redis-backed store can implement the same interface for several processes.
import type { Clock } from "./clock";

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the window resets (when not allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts `weight` hits for key in a window of windowMs, allowing up to `limit`. */
  hit(key: string, limit: number, windowMs: number, weight?: number): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

export class MemoryRateLimiter implements RateLimiter {
  private windows = new Map<string, { resetAt: number; count: number }>();
  private sweeps = 0;

  constructor(private readonly clock: Clock) {}

  async hit(key: string, limit: number, windowMs: number, weight = 1): Promise<RateLimitDecision> {
    const now = this.clock.now().getTime();
    if (++this.sweeps % 1000 === 0) this.sweep(now);
    let w = this.windows.get(key);
    if (!w || w.resetAt <= now) {
      w = { resetAt: now + windowMs, count: 0 };
      this.windows.set(key, w);
    }
    w.count += weight;
    const allowed = w.count <= limit;
    return { allowed, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil((w.resetAt - now) / 1000)) };
  }

  private sweep(now: number) {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }

  async close(): Promise<void> {
    this.windows.clear();
  }
}
