// HTTP routes of the export: the JSON download (streamed: a long ledger history is written a page
// at a time) and a readable page to print and hand to a member without a login.
//
//   GET /privacy/export.json            your own export, every bank
//   GET /privacy/export.json?member=ID  a member's export in their bank (the member, a helper they
//                                       authorised, or a coordinator; recorded in the audit trail)
//   GET /privacy/export.html[?member=ID] the same, as a page
// Both take the bearer token like /graphql; `note` (optional) is recorded with a request for a member.
import { once } from "node:events";
import type { Express, Request, Response } from "express";
import { GraphQLError } from "graphql";
import { buildContext, type App } from "../../context/context";
import { runRequestScope } from "../../db/bank-scope";
import { exportForPage, exportStream } from "./privacy.service";
import { renderExportPage } from "./privacy.page";

function param(req: Request, name: string): string | null {
  const v = req.query[name];
  return typeof v === "string" ? v : null;
}

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, RATE_LIMITED: 429 };

function fail(app: App, res: Response, err: unknown): void {
  const code = err instanceof GraphQLError ? String(err.extensions?.code ?? "") : "";
  if (res.headersSent) {
    // Mid-stream: the client sees a truncated (invalid) document, never a partial one that parses.
    app.log.error({ err }, "privacy export failed while streaming");
    res.destroy();
    return;
  }
  if (!code || code === "INTERNAL_SERVER_ERROR") {
    app.log.error({ err }, "privacy export failed");
    res.status(500).json({ errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
    return;
  }
  res.status(STATUS[code] ?? 400).json({ errors: [{ message: (err as Error).message, extensions: { code } }] });
}

export function mountPrivacy(app: App, expressApp: Express): void {
  const scoped = (_req: Request, _res: Response, next: () => void) => runRequestScope(next);

  expressApp.get("/privacy/export.json", scoped, async (req: Request, res: Response) => {
    try {
      const ctx = await buildContext(app, { authorization: req.headers.authorization, clientIp: req.ip ?? "unknown" });
      const write = await exportStream(ctx, param(req, "member"), { note: param(req, "note") ?? undefined });
      res.status(200);
      res.setHeader("Content-Type", "application/json; charset=utf-8");
      res.setHeader("Content-Disposition", `attachment; filename="timebank-export-${ctx.clock.now().toISOString().slice(0, 10)}.json"`);
      res.setHeader("Cache-Control", "no-store");
      await write({
        write: async (chunk) => {
          if (!res.write(chunk)) await once(res, "drain");
        },
      });
      res.end();
    } catch (err) {
      fail(app, res, err);
    }
  });

  expressApp.get("/privacy/export.html", scoped, async (req: Request, res: Response) => {
    try {
      const ctx = await buildContext(app, { authorization: req.headers.authorization, clientIp: req.ip ?? "unknown" });
      const data = await exportForPage(ctx, param(req, "member"), { note: param(req, "note") ?? undefined });
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      res.setHeader("Cache-Control", "no-store");
      res.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
      res.send(renderExportPage(data));
    } catch (err) {
      fail(app, res, err);
    }
  });
}
