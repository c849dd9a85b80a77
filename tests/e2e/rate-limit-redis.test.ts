// Rate limits kept in Redis (REDIS_URL): one budget for all processes behind a load balancer.
// Needs TEST_REDIS_URL; the two-process story also needs the PostgreSQL suite (PGlite is one process).
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { createLogger } from "../../src/common/logger";
import { RedisRateLimiter } from "../../src/common/rate-limit";
import { createTestDatabase, flavour, type TestDatabase } from "../helpers/database";
import { startServerProcess, type ServerProcess } from "../helpers/processes";

const redisUrl = process.env.TEST_REDIS_URL;
const log = createLogger("silent");
const unique = () => `test:${randomBytes(6).toString("hex")}`;

if (!redisUrl) {
  it.todo("rate limits shared through Redis (skipped: TEST_REDIS_URL is not set)");
} else {
  describe("the Redis rate-limit store", () => {
    const limiters: RedisRateLimiter[] = [];
    const limiter = (url = redisUrl) => {
      const l = new RedisRateLimiter(url, log);
      limiters.push(l);
      return l;
    };
    afterAll(() => Promise.all(limiters.map((l) => l.close())));

    it("counts atomically across connections: of 60 simultaneous hits from three processes' stores with a budget of 20, exactly 20 pass", async () => {
      const key = unique();
      const stores = [limiter(), limiter(), limiter()];
      const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => stores[i % 3].hit(key, 20, 60_000)));
      expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
      for (const d of decisions.filter((d) => !d.allowed)) {
        expect(d.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(d.retryAfterSeconds).toBeLessThanOrEqual(60);
      }
    });

    it("opens a new window when the old one expires, and keeps no email in clear", async () => {
      const key = `login:email:${unique()}@example.org`;
      const store = limiter();
      expect((await store.hit(key, 1, 1000)).allowed).toBe(true);
      expect((await store.hit(key, 1, 1000)).allowed).toBe(false);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await store.hit(key, 1, 1000)).allowed).toBe(true);
      const redis = new Redis(redisUrl);
      try {
        const keys = await redis.keys("timebank:rate:*");
        expect(keys.some((k) => k.includes("@"))).toBe(false);
      } finally {
        redis.disconnect();
      }
    });

    it("falls back to counting in the process when Redis does not answer", async () => {
      const store = limiter("redis://127.0.0.1:1/0");
      const key = unique();
      expect((await store.hit(key, 2, 60_000)).allowed).toBe(true);
      expect((await store.hit(key, 2, 60_000)).allowed).toBe(true);
      expect((await store.hit(key, 2, 60_000)).allowed).toBe(false);
    });
  });

  if (flavour() !== "postgres") {
    it.todo("two server processes share one login budget through Redis (runs in the PostgreSQL suite)");
  } else {
    describe("two server processes on one Redis", () => {
      let db: TestDatabase;
      const servers: ServerProcess[] = [];
      beforeAll(async () => {
        db = await createTestDatabase();
        // Behind a load balancer both processes see the client's address in X-Forwarded-For.
        const env = { RATE_LIMIT_LOGIN_PER_MINUTE: "4", TRUST_PROXY: "true" };
        servers.push(
          ...(await Promise.all([
            startServerProcess({ databaseUrl: db.url!, redisUrl, env }),
            startServerProcess({ databaseUrl: db.url!, redisUrl, env }),
          ])),
        );
      });
      afterAll(async () => {
        await Promise.all(servers.map((s) => s.stop()));
        await db?.destroy();
      });

      it("log-in attempts from one address through both processes share one budget: the fifth is refused with 429 and Retry-After", async () => {
        // A fresh address per run, so that an earlier run's window in the same Redis does not count.
        const address = `10.${randomBytes(3).join(".")}`;
        const attempt = (s: ServerProcess, i: number) =>
          fetch(s.url, {
            method: "POST",
            headers: { "content-type": "application/json", "x-forwarded-for": address },
            body: JSON.stringify({
              query: `mutation { logIn(input: { email: "nobody${i}@example.org", password: "a guess ${i}" }) { __typename } }`,
            }),
          });
        const answers = [];
        for (let i = 0; i < 4; i++) {
          const res = await attempt(servers[i % 2], i);
          answers.push(((await res.json()) as { data: { logIn: { __typename: string } } }).data.logIn.__typename);
        }
        expect(answers).toEqual(["InvalidCredentials", "InvalidCredentials", "InvalidCredentials", "InvalidCredentials"]);
        // Each process has seen only two attempts: with per-process counting both would still let this in.
        for (const s of servers) {
          const res = await attempt(s, 9);
          expect(res.status).toBe(429);
          expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
          const body = (await res.json()) as { errors: { extensions: { code: string; retryAfterSeconds: number } }[] };
          expect(body.errors[0].extensions).toMatchObject({ code: "RATE_LIMITED" });
        }
      });
    });
  }
}
