// HTTP and WebSocket wiring: express 5 + Apollo Server 5 on /graphql, graphql-ws on the same
// path, health endpoints, and the error masking every response goes through.
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import express, { type ErrorRequestHandler } from "express";
import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
import { WebSocketServer } from "ws";
import { useServer } from "graphql-ws/use/ws";
import { PUBLIC_ERROR_CODES } from "./common/errors";
import { buildContext, type App, type RequestContext } from "./context/context";
import { runRequestScope } from "./db/bank-scope";
import { isReadOnlyRequest } from "./context/read-cache";
import { pendingMigrations } from "./db/migrations";
import { mountStatistics } from "./modules/stats/stats.http";
import { mountPrivacy } from "./modules/privacy/privacy.http";
import { inputError, jsonStatusPlugin, limitsPlugin, operationLimitError, requestLogPlugin, secureHeaders } from "./security";
import { graphqlHttpHandler } from "./graphql-http";
import { jitGateway } from "./jit-executor";
import { createMetrics } from "./metrics";

/**
 * Empties the read cache once a mutation has run (whatever its outcome): a pause, a departure or
 * a role change is seen by the next read in this process. See context/read-cache.ts.
 */
function readCacheInvalidation(app: App): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      let mutation = false;
      return {
        async didResolveOperation({ operation }) {
          mutation = operation?.operation === "mutation";
        },
        async willSendResponse() {
          if (mutation) app.readCache.invalidate();
        },
      };
    },
  };
}

/** Compares a presented secret with the expected one in constant time. */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (x: string) => createHash("sha256").update(x).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

export interface RunningServer {
  url: string;
  port: number;
  httpServer: http.Server;
  close(): Promise<void>;
}

/**
 * Masks every error the client should not see. Known codes pass with their message; anything
 * else becomes a generic message with an error id, and the log gets the original.
 */
export function makeFormatError(app: App) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    const code = formatted.extensions?.code;
    if (typeof code === "string" && PUBLIC_ERROR_CODES.has(code) && original instanceof GraphQLError) {
      const { stacktrace: _drop, http: _http, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions };
    }
    // Over HTTP the request's logger has already logged it with the request id (requestLogPlugin).
    const logged = error instanceof GraphQLError ? error.extensions?.errorId : undefined;
    const errorId = typeof logged === "string" ? logged : randomUUID();
    if (typeof logged !== "string") app.log.error({ errorId, err: original, path: formatted.path }, "unexpected error");
    return {
      message: `Internal server error (error id ${errorId})`,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: "INTERNAL_SERVER_ERROR", errorId },
    };
  };
}

export async function startServer(app: App, schema: GraphQLSchema, port = app.config.port, host = app.config.host): Promise<RunningServer> {
  // Connects to Redis (when configured) and starts the outbox relay; stopped in close().
  await app.events.start();
  const formatError = makeFormatError(app);
  const metrics = createMetrics(app);
  const expressApp = express();
  expressApp.disable("x-powered-by");
  if (app.config.trustProxy) expressApp.set("trust proxy", true);
  expressApp.use(secureHeaders(app));
  // /graphql is served without express (graphql-http.ts); everything else goes through it.
  let graphqlHandler: http.RequestListener | null = null;
  const httpServer = http.createServer((req, res) => {
    const url = req.url ?? "/";
    const end = url.indexOf("?");
    const path = end < 0 ? url : url.slice(0, end);
    if (graphqlHandler && (path === "/graphql" || path === "/graphql/")) graphqlHandler(req, res);
    else expressApp(req, res);
  });

  // A message is at most as large as an HTTP body may be (ws would take 100 MiB by default).
  // Idle keep-alive connections stay open longer than a load balancer's or a client pool's idle
  // timeout (commonly 60 s): with Node's default of 5 s the server closed connections that a
  // client was about to reuse, and the client saw ECONNRESET on its next request.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;

  const wsServer = new WebSocketServer({ server: httpServer, path: "/graphql", maxPayload: app.config.limits.bodyLimitBytes });
  const wsCleanup = useServer<Record<string, unknown>, { ctx?: RequestContext }>(
    {
      schema,
      onConnect: async (wsCtx) => {
        const auth = wsCtx.connectionParams?.authorization ?? wsCtx.connectionParams?.Authorization;
        try {
          wsCtx.extra.ctx = await buildContext(app, {
            authorization: typeof auth === "string" ? auth : undefined,
            clientIp: wsCtx.extra.request.socket.remoteAddress ?? "unknown",
          });
          return true;
        } catch {
          return false; // closes with 4403 Forbidden
        }
      },
      context: (wsCtx) => wsCtx.extra.ctx!,
      // The same order as over HTTP: parse within the token limit, the operation limits, then
      // validation (graphql-ws would otherwise parse without a limit and validate first).
      onSubscribe: (_ctx, _id, payload) => {
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: app.config.limits.maxTokens });
        } catch (err) {
          const message = err instanceof GraphQLError ? err.message : "the query could not be parsed";
          return [new GraphQLError(message, { extensions: { code: "GRAPHQL_PARSE_FAILED" } })];
        }
        const variableValues = payload.variables ?? {};
        const refusal = operationLimitError(schema, document, app.config.limits, variableValues);
        if (refusal) return [refusal];
        const errors = validate(schema, document);
        if (errors.length)
          return errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }));
        const badInput = inputError(schema, document, variableValues, app.clock.now());
        if (badInput) return [badInput];
        return { schema, document, variableValues, operationName: payload.operationName ?? undefined };
      },
      // A mutation over the socket changes what cached reads would answer: see read-cache.ts.
      onComplete: (_ctx, _id, payload) => {
        if (!isReadOnlyRequest(payload)) app.readCache.invalidate();
      },
      // The same masking as HTTP: known codes pass, anything else becomes an error id.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors?.length ? { ...result, errors: result.errors.map((err) => formatError(err.toJSON(), err)) } : undefined,
      onError: (_ctx, _id, _payload, errors) => errors.map((err) => formatError(err.toJSON(), err)),
    },
    wsServer,
  );

  const apollo = new ApolloServer<RequestContext>({
    // GRAPHQL_JIT: Apollo in gateway mode with graphql-jit as its executor (src/jit-executor.ts);
    // everything else below applies the same. The WebSocket path above keeps graphql-js.
    ...(app.config.graphqlJit ? { gateway: jitGateway(schema) } : { schema }),
    introspection: app.config.enableExplorer,
    includeStacktraceInErrorResponses: false,
    // No "did you mean" field suggestions outside development: they reveal the schema.
    hideSchemaDetailsFromClientErrors: app.config.env === "production",
    parseOptions: { maxTokens: app.config.limits.maxTokens },
    // main.ts handles SIGTERM/SIGINT (and stops the real-time relay and Redis too); Apollo's own
    // handlers raced with it and held the shutdown until the 10 s forced exit.
    stopOnTerminationSignals: false,
    formatError,
    plugins: [
      metrics.plugin,
      requestLogPlugin,
      limitsPlugin(app),
      jsonStatusPlugin,
      // Half the stop's grace period for requests in flight, so the rest of the stop (outbox
      // flush, database) still fits before main.ts exits anyway.
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: Math.floor(app.config.shutdownGraceMs / 2) }),
      readCacheInvalidation(app),
      // We send no cache hints; Apollo's default cache-control plugin would still wrap every
      // field's resolver (willResolveField), which costs more than many of our resolvers.
      ApolloServerPluginCacheControlDisabled(),
      app.config.enableExplorer
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  expressApp.get("/healthz", (_req, res) => {
    // Open subscriptions of this process: for monitoring, and for tests across processes.
    res.json({ status: "ok", subscriptions: app.events.openStreams.size });
  });
  expressApp.get("/readyz", async (_req, res) => {
    try {
      const pending = await app.database.withSession((s) => pendingMigrations(s));
      if (pending.length) {
        res.status(503).json({ status: "migrations pending", pending: pending.map((m) => m.name) });
        return;
      }
      res.json({ status: "ready" });
    } catch {
      res.status(503).json({ status: "database unreachable" });
    }
  });

  // Prometheus metrics (src/metrics.ts), behind METRICS_TOKEN when it is set.
  expressApp.get("/metrics", async (req, res) => {
    if (app.config.metricsToken && !sameSecret(req.headers.authorization ?? "", `Bearer ${app.config.metricsToken}`)) {
      res
        .status(401)
        .json({ errors: [{ message: "metrics need the METRICS_TOKEN bearer token", extensions: { code: "UNAUTHENTICATED" } }] });
      return;
    }
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  // Statistics: CSV export and the /dashboard page.
  mountStatistics(app, expressApp);
  // Privacy: the export as a streamed download and as a printable page.
  mountPrivacy(app, expressApp);

  graphqlHandler = graphqlHttpHandler({
    app,
    apollo,
    scope: (fn) => runRequestScope(fn),
    context: (req, body, clientIp) =>
      buildContext(app, { authorization: req.headers.authorization, requestId: randomUUID(), clientIp, readOnly: isReadOnlyRequest(body) }),
  });

  // Failures of the other routes (statistics export, dashboard) become GraphQL-shaped errors, never a stack trace.
  const bodyErrors: ErrorRequestHandler = (err, _req, res, _next) => {
    if (res.headersSent) return; // e.g. the execution deadline already answered
    const status = typeof err?.status === "number" && err.status >= 400 && err.status < 500 ? err.status : 500;
    const message =
      err?.type === "entity.too.large"
        ? "request body too large"
        : err?.type === "entity.parse.failed"
          ? "malformed JSON in request body"
          : status < 500
            ? "bad request"
            : "Internal server error";
    if (status >= 500) app.log.error({ err }, "request failed");
    res.status(status).json({ errors: [{ message, extensions: { code: status < 500 ? "BAD_REQUEST" : "INTERNAL_SERVER_ERROR" } }] });
  };
  expressApp.use(bodyErrors);

  try {
    await new Promise<void>((resolve, reject) => {
      httpServer.once("error", reject);
      httpServer.listen(port, host, () => resolve());
    });
  } catch (err) {
    await apollo.stop().catch(() => {});
    await app.events.stop();
    throw err;
  }
  const address = httpServer.address() as AddressInfo;
  const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
  return {
    url: `http://${shownHost}:${address.port}/graphql`,
    port: address.port,
    httpServer,
    async close() {
      await apollo.stop();
      wsServer.close();
      await app.events.stop();
      await app.rateLimiter.close();
    },
  };
}
