// HTTP routes of the statistics: CSV export of any figure table, and the /dashboard page with
// its static files (Chart.js served from node_modules: no build step).
import path from "node:path";
import express, { type Express, type Request, type Response } from "express";
import { GraphQLError } from "graphql";
import { PROJECT_ROOT } from "../../common/paths";
import { buildContext, type App } from "../../context/context";
import { runRequestScope } from "../../db/bank-scope";
import { statistics } from "./stats.service";
import { toCsv, type Figure } from "./stats.rules";
import { StatsGrouping, type StatisticsReport } from "./stats.type";

const TABLES = ["members", "categories", "interBankFlows", "netPositions", "institutions", "participation"] as const;
type Table = (typeof TABLES)[number];

const DASHBOARD_DIR = path.join(PROJECT_ROOT, "public", "dashboard");
// chart.js does not export its package.json: served from the project's own node_modules.
const CHART_JS = path.join(PROJECT_ROOT, "node_modules", "chart.js", "dist", "chart.umd.min.js");

/** The figure table as CSV: a figure is its value, or empty with `<name>_suppressed` = true. */
export function tableCsv(report: StatisticsReport, table: Table): string {
  const rows = report[table] as unknown as Record<string, unknown>[];
  if (!rows.length) return toCsv(["period"], []);
  const header: string[] = [];
  for (const [k, v] of Object.entries(rows[0])) {
    if (isFigure(v)) header.push(k, `${k}_suppressed`);
    else header.push(k);
  }
  const body = rows.map((r) => Object.values(r).flatMap((v) => (isFigure(v) ? [v.value, v.suppressed] : [v])));
  return toCsv(header, body);
}

function isFigure(v: unknown): v is Figure {
  return typeof v === "object" && v !== null && "suppressed" in v && "value" in v;
}

function param(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return typeof v === "string" ? v : undefined;
}

export function mountStatistics(app: App, expressApp: Express): void {
  // The export's statements run in the reader's bank scope (row-level security), like /graphql's.
  expressApp.get(
    "/statistics/:table.csv",
    (_req: Request, _res: Response, next: () => void) => runRequestScope(next),
    async (req: Request, res: Response) => {
      const table = req.params.table as Table;
      try {
        if (!TABLES.includes(table)) {
          res
            .status(404)
            .json({ errors: [{ message: `no figure table ${table}: one of ${TABLES.join(", ")}`, extensions: { code: "NOT_FOUND" } }] });
          return;
        }
        const ctx = await buildContext(app, { authorization: req.headers.authorization, clientIp: req.ip ?? "unknown" });
        const grouping = (param(req, "grouping") ?? "BANK").toUpperCase();
        const periodKind = (param(req, "periodKind") ?? "MONTH").toUpperCase();
        if (!(grouping in StatsGrouping))
          throw new GraphQLError("grouping must be NATIONAL, REGION or BANK", { extensions: { code: "BAD_USER_INPUT" } });
        if (periodKind !== "MONTH" && periodKind !== "WEEK")
          throw new GraphQLError("periodKind must be MONTH or WEEK", { extensions: { code: "BAD_USER_INPUT" } });
        const report = await statistics(ctx, {
          periodKind,
          from: param(req, "from") ?? "",
          to: param(req, "to") ?? "",
          grouping: grouping as StatsGrouping,
          timebank: param(req, "timebank") ?? null,
        });
        res.setHeader("Content-Type", "text/csv; charset=utf-8");
        res.setHeader("Content-Disposition", `attachment; filename="${table}-${report.periodKind.toLowerCase()}-${report.periods[0]}.csv"`);
        res.setHeader("Cache-Control", "no-store");
        res.send(tableCsv(report, table));
      } catch (err) {
        const code = err instanceof GraphQLError ? String(err.extensions?.code ?? "") : "";
        // Every error with a code of ours is the client's to fix (400 unless it has its own status);
        // only an error without one is the server's.
        const status =
          code && code !== "INTERNAL_SERVER_ERROR"
            ? (({ UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404, RATE_LIMITED: 429 } as Record<string, number>)[code] ?? 400)
            : undefined;
        if (!status) {
          app.log.error({ err }, "statistics export failed");
          res.status(500).json({ errors: [{ message: "Internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });
          return;
        }
        res.status(status).json({ errors: [{ message: (err as Error).message, extensions: { code } }] });
      }
    },
  );

  // The dashboard: static files only; it talks to /graphql like any client.
  const pageHeaders = (_req: Request, res: Response, next: () => void) => {
    res.setHeader(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
    );
    next();
  };
  expressApp.get("/dashboard", pageHeaders, (_req, res) => res.sendFile(path.join(DASHBOARD_DIR, "index.html")));
  expressApp.get("/dashboard/vendor/chart.umd.min.js", pageHeaders, (_req, res) => res.sendFile(CHART_JS));
  expressApp.use("/dashboard", pageHeaders, express.static(DASHBOARD_DIR, { index: false, fallthrough: false }));
}
