// Prometheus metrics at /metrics (prom-client): what an operator watches on each process.
// One registry per server (tests run several servers in one process), filled by an Apollo
// plugin (operations, latency, errors by code) and read at scrape time from the pool, the
// open subscriptions and the outbox.
import type { ApolloServerPlugin } from "@apollo/server";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { App, RequestContext } from "./context/context";

export interface Metrics {
  registry: Registry;
  plugin: ApolloServerPlugin<RequestContext>;
}

/** Operation names are the client's: keep the label set bounded. */
const MAX_OPERATION_NAMES = 200;
const OTHER = "(other)";

export function createMetrics(app: App): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "timebank" });
  collectDefaultMetrics({ register: registry });

  const operations = new Counter({
    name: "graphql_operations_total",
    help: "GraphQL operations answered, by operation name, type and outcome (ok: no error; error: at least one).",
    labelNames: ["operation", "type", "outcome"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "graphql_operation_duration_seconds",
    help: "Time from the request's arrival at Apollo to the response, by operation name and type.",
    labelNames: ["operation", "type"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    registers: [registry],
  });
  const errors = new Counter({
    name: "graphql_errors_total",
    help: "Errors in GraphQL responses by extensions.code (BAD_USER_INPUT, FORBIDDEN, INTERNAL_SERVER_ERROR, ...).",
    labelNames: ["code"] as const,
    registers: [registry],
  });
  new Gauge({
    name: "subscriptions_open",
    help: "Open subscription streams of this process.",
    registers: [registry],
    collect() {
      this.set(app.events.openStreams.size);
    },
  });
  new Gauge({
    name: "db_pool_connections",
    help: "The PostgreSQL pool of this process: connections in use, idle, and requests waiting for one (absent on the embedded database).",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const stats = app.database.poolStats();
      if (!stats) return;
      this.set({ state: "in_use" }, stats.total - stats.idle);
      this.set({ state: "idle" }, stats.idle);
      this.set({ state: "waiting" }, stats.waiting);
    },
  });
  new Gauge({
    name: "outbox_lag_seconds",
    help: "Age of the oldest real-time event not yet published (0 when none waits).",
    registers: [registry],
    async collect() {
      const rows = await app.database.withSession((s) =>
        s.query<{ lag: number | string | null }>(
          `SELECT EXTRACT(EPOCH FROM (now() - min("createdAt"))) AS lag FROM "OutboxEvent" WHERE "publishedAt" IS NULL`,
        ),
      );
      this.set(Math.max(0, Number(rows[0]?.lag ?? 0)));
    },
  });

  const names = new Set<string>();
  const label = (name: string | null | undefined) => {
    if (!name) return "(anonymous)";
    if (names.has(name)) return name;
    if (names.size >= MAX_OPERATION_NAMES) return OTHER;
    names.add(name);
    return name;
  };

  const plugin: ApolloServerPlugin<RequestContext> = {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      let operation = "(unparsed)";
      let type = "unknown";
      return {
        async didResolveOperation({ operationName, operation: op }) {
          operation = label(operationName);
          type = op?.operation ?? "unknown";
        },
        async willSendResponse({ response }) {
          const body = response.body.kind === "single" ? response.body.singleResult : response.body.initialResult;
          const errs = body.errors ?? [];
          for (const e of errs) errors.inc({ code: String(e.extensions?.code ?? "UNKNOWN") });
          operations.inc({ operation, type, outcome: errs.length ? "error" : "ok" });
          latency.observe({ operation, type }, Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
  return { registry, plugin };
}
