// The /graphql endpoint on node:http, without express: Apollo Server's own
// executeHTTPGraphQLRequest behind a small request reader. Every GraphQL request used to pass
// express's router, body-parser (raw-body, type-is, iconv) and the express integration's
// res.send (an ETag hash of every answer), which together cost more CPU than Apollo's whole
// request pipeline (bench/README.md, read path). What the middleware did for us is done here:
// secure headers, the execution deadline, the body limit, JSON and encoding errors as
// GraphQL-shaped 4xx answers, the client address behind a trusted proxy.
import http from "node:http";
import zlib from "node:zlib";
import type { Readable } from "node:stream";
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from "@apollo/server";
import type { App, RequestContext } from "./context/context";

/** Headers that keep browsers from misusing API responses (the same on every /graphql answer). */
export function secureHeaderList(app: App): [string, string][] {
  const headers: [string, string][] = [
    ["X-Content-Type-Options", "nosniff"],
    ["X-Frame-Options", "DENY"],
    ["Referrer-Policy", "no-referrer"],
    ["Cross-Origin-Resource-Policy", "same-origin"],
  ];
  if (!app.config.enableExplorer) headers.push(["Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"]);
  if (app.config.env === "production") headers.push(["Strict-Transport-Security", "max-age=31536000; includeSubDomains"]);
  return headers;
}

/** A body that could not be read: answered with this status and message, code BAD_REQUEST. */
class BodyError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** JSON media types the endpoint parses (application/json and the GraphQL-over-HTTP ones). */
function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(";", 1)[0].trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/** The charset a JSON body may declare: utf-8 only (what JSON allows on the wire). */
function charsetOk(contentType: string): boolean {
  const m = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return !m || /^utf-?8$/i.test(m[1]);
}

function decoded(req: http.IncomingMessage): Readable {
  const encoding = String(req.headers["content-encoding"] ?? "identity").toLowerCase();
  switch (encoding) {
    case "identity":
      return req;
    case "gzip":
      return req.pipe(zlib.createGunzip());
    case "deflate":
      return req.pipe(zlib.createInflate());
    case "br":
      return req.pipe(zlib.createBrotliDecompress());
    default:
      throw new BodyError(415, `unsupported content encoding "${encoding}"`);
  }
}

/** The request body as text, refused past `limit` bytes (after decompression). */
function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume(); // drain, so the answer can be read by the client
    return Promise.reject(new BodyError(413, "request body too large"));
  }
  return new Promise((resolve, reject) => {
    let stream: Readable;
    try {
      stream = decoded(req);
    } catch (err) {
      req.resume();
      reject(err);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    stream.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.resume();
        reject(new BodyError(413, "request body too large"));
        return;
      }
      chunks.push(chunk);
    });
    stream.on("end", () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks, size).toString("utf8"));
    });
    stream.on("error", () => {
      if (done) return;
      done = true;
      reject(new BodyError(400, "the request body could not be read"));
    });
  });
}

/** The parsed body, as express.json({ strict: true }) did: objects and arrays only, empty is {}. */
async function parseBody(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const contentType = req.headers["content-type"];
  if (req.method !== "POST" || !isJson(contentType)) {
    // Apollo answers GET itself, and refuses POSTs that are not JSON with its own 400.
    if (req.method === "POST") await readBody(req, limit);
    return undefined;
  }
  if (!charsetOk(contentType!)) {
    req.resume();
    throw new BodyError(415, "unsupported charset: send UTF-8");
  }
  const text = await readBody(req, limit);
  const trimmed = text.trim();
  if (trimmed === "") return {};
  if (trimmed[0] !== "{" && trimmed[0] !== "[") throw new BodyError(400, "malformed JSON in request body");
  try {
    return JSON.parse(trimmed);
  } catch {
    throw new BodyError(400, "malformed JSON in request body");
  }
}

export interface GraphQLHttpOptions {
  app: App;
  apollo: ApolloServer<RequestContext>;
  /** Builds the request's context (runs inside Apollo, so its errors are GraphQL-shaped). */
  context: (req: http.IncomingMessage, body: unknown, clientIp: string) => Promise<RequestContext>;
  /** Runs the rest of the request (body read onwards) in the request's own async scope. */
  scope: (fn: () => void) => void;
}

/** The client's address: X-Forwarded-For's first hop only when TRUST_PROXY is on. */
export function clientAddress(req: http.IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers["x-forwarded-for"];
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",", 1)[0].trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? "unknown";
}

/** The request listener for /graphql (HTTP GET and POST). */
export function graphqlHttpHandler(options: GraphQLHttpOptions): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const { app, apollo } = options;
  const secure = secureHeaderList(app);
  const limit = app.config.limits.bodyLimitBytes;
  const deadlineMs = app.config.limits.executionTimeoutMs;

  const answerJson = (res: http.ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) => {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...extra });
    res.end(text);
  };

  return (req, res) => {
    for (const [name, value] of secure) res.setHeader(name, value);
    // A request that has not answered within the deadline gets TIMEOUT (503); the work still
    // running is bounded by PostgreSQL's statement_timeout.
    let answered = false;
    const deadline = setTimeout(() => {
      if (answered || res.headersSent) return;
      answered = true;
      app.log.warn({ path: req.url }, "request exceeded the execution deadline");
      answerJson(res, 503, { errors: [{ message: "the request took too long", extensions: { code: "TIMEOUT" } }] });
    }, deadlineMs);
    deadline.unref();

    options.scope(() => {
      void (async () => {
        try {
          const body = await parseBody(req, limit);
          const headers = new HeaderMap();
          for (const [key, value] of Object.entries(req.headers))
            if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
          const q = req.url!.indexOf("?");
          const httpGraphQLRequest: HTTPGraphQLRequest = {
            method: req.method!.toUpperCase(),
            headers,
            search: q < 0 ? "" : req.url!.slice(q),
            body,
          };
          const clientIp = clientAddress(req, app.config.trustProxy);
          const response = await apollo.executeHTTPGraphQLRequest({
            httpGraphQLRequest,
            context: () => options.context(req, body, clientIp),
          });
          if (answered || res.headersSent) return;
          answered = true;
          clearTimeout(deadline);
          res.statusCode = response.status ?? 200;
          for (const [key, value] of response.headers) res.setHeader(key, value);
          if (response.body.kind === "complete") {
            res.setHeader("content-length", Buffer.byteLength(response.body.string));
            res.end(response.body.string);
            return;
          }
          for await (const chunk of response.body.asyncIterator) res.write(chunk);
          res.end();
        } catch (err) {
          clearTimeout(deadline);
          if (answered) return;
          answered = true;
          if (err instanceof BodyError) {
            answerJson(res, err.status, { errors: [{ message: err.message, extensions: { code: "BAD_REQUEST" } }] });
            return;
          }
          app.log.error({ err }, "request failed");
          if (res.headersSent) res.destroy();
          else answerJson(res, 500, { errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
        }
      })();
    });
  };
}
