// Fixed-window rate limits per key (client address, person, email). In memory for one process;
// in Redis (REDIS_URL) for several processes behind one load balancer, so that an attacker
// cannot multiply the budget by the number of processes.
import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import type { Clock } from "./clock";
import type { Logger } from "./logger";

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

/**
 * One atomic step of a fixed window: add the weight, start the window's expiry on its first hit
 * (or if a key somehow lost its expiry), and return the count and the milliseconds left.
 */
const HIT_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {count, ttl}`;

type RedisWithHit = Redis & { rateLimitHit(key: string, weight: number, windowMs: number): Promise<[number, number]> };

/**
 * Rate limits shared by every process on one Redis. Keys are hashed: the emails and addresses
 * being limited do not sit in Redis in clear. When Redis cannot answer (down, slow) the process
 * falls back to its own in-memory windows rather than refusing everyone or letting everyone in.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly redis: RedisWithHit;
  private lastWarning = 0;

  constructor(
    url: string,
    private readonly fallback: RateLimiter,
    private readonly log: Logger,
    private readonly prefix = "timebank:rate:",
  ) {
    // lazyConnect: nothing is opened until the first hit (scripts that build an App never connect).
    // disconnectTimeout: a socket that never connected otherwise holds a 2 s timer after close().
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: 1000, disconnectTimeout: 200 }) as RedisWithHit;
    this.redis.on("error", () => {}); // reported by hit() when it falls back
    this.redis.defineCommand("rateLimitHit", { numberOfKeys: 1, lua: HIT_SCRIPT });
  }

  async hit(key: string, limit: number, windowMs: number, weight = 1): Promise<RateLimitDecision> {
    const hashed = this.prefix + createHash("sha256").update(key).digest("base64url").slice(0, 32);
    try {
      const [count, ttl] = await this.redis.rateLimitHit(hashed, weight, windowMs);
      const allowed = Number(count) <= limit;
      return { allowed, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(Number(ttl) / 1000)) };
    } catch (err) {
      const now = Date.now();
      if (now - this.lastWarning > 60_000) {
        this.lastWarning = now;
        this.log.warn({ err: (err as Error).message }, "rate limits: Redis did not answer, counting in this process meanwhile");
      }
      return this.fallback.hit(key, limit, windowMs, weight);
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    await this.fallback.close();
  }
}

/** Redis when a URL is given, else memory. */
export function createRateLimiter(redisUrl: string | null, clock: Clock, log: Logger): RateLimiter {
  const memory = new MemoryRateLimiter(clock);
  return redisUrl ? new RedisRateLimiter(redisUrl, memory, log) : memory;
}
