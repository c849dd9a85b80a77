// Fixed-window rate limits per key (client address, person, email), counted by
// rate-limiter-flexible: in memory for one process; in Redis (REDIS_URL) for several processes
// behind one load balancer, so that an attacker cannot multiply the budget by the number of
// processes. What stays ours: the call shape the server uses (a budget and a window per call),
// hashed keys (the emails and addresses being limited never sit in Redis in clear), and a
// warning in the log when Redis does not answer and the process counts on its own meanwhile.
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Logger } from "./logger";

export interface RateLimitDecision {
  allowed: boolean;
  /** Seconds until the window resets (when not allowed). */
  retryAfterSeconds: number;
}

export interface RateLimiter {
  /** Counts `weight` hits for key in a window of windowMs (whole seconds, at least one), allowing up to `limit`. */
  hit(key: string, limit: number, windowMs: number, weight?: number): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

/** Windows are whole seconds: Redis expires keys by the second (SET … EX). */
function windowSeconds(windowMs: number): number {
  return Math.max(1, Math.round(windowMs / 1000));
}

/**
 * One rate-limiter-flexible limiter per (budget, window): the server uses a handful of them
 * (log-ins per address, per email, mutations per person), each made on first use.
 */
abstract class FlexibleLimiter implements RateLimiter {
  private readonly limiters = new Map<string, RateLimiterAbstract>();

  protected abstract make(points: number, durationSeconds: number, keyPrefix: string): RateLimiterAbstract;

  async hit(key: string, limit: number, windowMs: number, weight = 1): Promise<RateLimitDecision> {
    const seconds = windowSeconds(windowMs);
    const id = `${limit}:${seconds}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      limiter = this.make(limit, seconds, `timebank:rate:${id}`);
      this.limiters.set(id, limiter);
    }
    try {
      await limiter.consume(this.keyOf(key), weight);
      return { allowed: true, retryAfterSeconds: 0 };
    } catch (refusal) {
      // Over the budget: rate-limiter-flexible rejects with the window's state. Anything else (a
      // store failure the in-memory insurance limiter did not absorb) is refused for the window:
      // allowing it would let an attacker through whenever the store fails.
      if (refusal instanceof RateLimiterRes)
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
      return { allowed: false, retryAfterSeconds: seconds };
    }
  }

  protected keyOf(key: string): string {
    return key;
  }

  async close(): Promise<void> {
    this.limiters.clear();
  }
}

export class MemoryRateLimiter extends FlexibleLimiter {
  protected make(points: number, duration: number, keyPrefix: string): RateLimiterAbstract {
    return new RateLimiterMemory({ points, duration, keyPrefix });
  }
}

/**
 * Rate limits shared by every process on one Redis. When Redis cannot answer (down, slow) the
 * process falls back to its own in-memory windows (rate-limiter-flexible's insurance limiter)
 * rather than refusing everyone or letting everyone in, and says so in the log once a minute.
 */
export class RedisRateLimiter extends FlexibleLimiter {
  private readonly redis: Redis;
  private lastWarning = 0;

  constructor(
    url: string,
    private readonly log: Logger,
  ) {
    super();
    // lazyConnect: nothing is opened until the first hit (scripts that build an App never connect).
    // disconnectTimeout: a socket that never connected otherwise holds a 2 s timer after close().
    this.redis = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      commandTimeout: 1000,
      disconnectTimeout: 200,
      enableOfflineQueue: true,
    });
    this.redis.on("error", (err: Error) => {
      const now = Date.now();
      if (now - this.lastWarning > 60_000) {
        this.lastWarning = now;
        this.log.warn({ err: err.message }, "rate limits: Redis did not answer, counting in this process meanwhile");
      }
    });
  }

  protected make(points: number, duration: number, keyPrefix: string): RateLimiterAbstract {
    return new RateLimiterRedis({
      storeClient: this.redis,
      points,
      duration,
      keyPrefix,
      insuranceLimiter: new RateLimiterMemory({ points, duration, keyPrefix }),
    });
  }

  protected keyOf(key: string): string {
    return createHash("sha256").update(key).digest("base64url").slice(0, 32);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    await super.close();
  }
}

/** Redis when a URL is given, else memory. */
export function createRateLimiter(redisUrl: string | null, log: Logger): RateLimiter {
  return redisUrl ? new RedisRateLimiter(redisUrl, log) : new MemoryRateLimiter();
}
