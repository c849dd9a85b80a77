// How fast hostile documents are refused, and what /healthz answers meanwhile (issue 18, item 1).
//
// Part 1, in process, per document of tests/helpers/hostile-documents.ts (medians of --rounds):
//   - ours:  parse (token limit) + src/common/query-limits.ts checkDocument, which is what the
//            server does before validation (src/security.ts);
//   - armor: parse + graphql-js validation with @escape.tech/graphql-armor's rules added, which
//            is how GraphQL Armor runs under Apollo Server (its rules are validation rules and
//            report into the validation context, so every other rule still walks the document).
//   and the same for an ordinary query, to show what each adds to every request.
// Part 2, over HTTP against a server process (embedded database, no demo data): --clients
// concurrent anonymous clients send the hostile documents for --seconds while /healthz is asked
// every 20 ms; reports the refusal latency and /healthz latency, and /healthz alone before.
//
// Run: npm run bench:limits [-- --rounds 15 --clients 8 --seconds 10]
import "reflect-metadata";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { parse, specifiedRules, validate, type ValidationRule } from "graphql";
import { loadConfig } from "../src/config";
import { checkDocument } from "../src/common/query-limits";
import { getSchema } from "../src/schema";
import { TOO_COMPLEX } from "../tests/helpers/hostile-documents";
import { freePort, median } from "./lib";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "15" },
    clients: { type: "string", default: "8" },
    seconds: { type: "string", default: "10" },
  },
});
const rounds = Number(args.rounds);
const clients = Number(args.clients);
const seconds = Number(args.seconds);
const limits = loadConfig({ NODE_ENV: "production", AUTH_SECRET: "x".repeat(32) }).limits;

const ORDINARY = `query Members($slug: String!) { members(timebank: $slug, first: 20) { totalCount nodes { id displayName skills { label category { name } } } } }`;

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function armorRules(): Promise<ValidationRule[] | null> {
  try {
    // Optional: install with `npm install --no-save @escape.tech/graphql-armor@3.2.0` to compare.
    const { ApolloArmor } = (await import("@escape.tech/graphql-armor" as string)) as {
      ApolloArmor: new (c: unknown) => { protect(): { validationRules: ValidationRule[] } };
    };
    return new ApolloArmor({
      maxDepth: { n: limits.maxDepth },
      maxAliases: { n: limits.maxAliases },
      maxDirectives: { n: limits.maxDirectives },
      costLimit: { maxCost: limits.maxCost },
      maxTokens: { n: limits.maxTokens },
    }).protect().validationRules;
  } catch {
    return null;
  }
}

async function inProcess() {
  const schema = await getSchema();
  const armor = await armorRules();
  const docs = [
    ...TOO_COMPLEX.map((d) => ({ name: d.name, query: d.query, bytes: d.query.length })),
    { name: "ordinary query (accepted)", query: ORDINARY, bytes: ORDINARY.length },
  ];
  console.log(`\n## In process: milliseconds to decide (median of ${rounds}), limits ${JSON.stringify(limits)}\n`);
  console.log(`| document | bytes | ours: parse + limits | ours: verdict | armor: parse + validation + armor rules | armor: verdict |`);
  console.log(`|---|---:|---:|---|---:|---|`);
  for (const d of docs) {
    const ours: number[] = [];
    const theirs: number[] = [];
    let ourVerdict = "";
    let armorVerdict = "not installed";
    for (let r = 0; r < rounds + 2; r++) {
      const a = time(() => {
        const document = parse(d.query, { maxTokens: limits.maxTokens });
        ourVerdict = checkDocument(schema, document, limits, { slug: "x" })?.limit ?? "accepted";
      });
      if (r >= 2) ours.push(a);
      if (armor) {
        const b = time(() => {
          const document = parse(d.query, { maxTokens: limits.maxTokens });
          const errors = validate(schema, document, [...specifiedRules, ...armor]);
          armorVerdict = errors.length
            ? errors
                .map((e) => e.message.replace(/^Syntax Error: /, "").split(/ limit| exceeded/)[0])
                .join("; ")
                .slice(0, 60)
            : "accepted";
        });
        if (r >= 2) theirs.push(b);
      }
    }
    console.log(
      `| ${d.name} | ${d.bytes} | ${median(ours).toFixed(3)} | ${ourVerdict} | ${armor ? median(theirs).toFixed(3) : "-"} | ${armorVerdict} |`,
    );
  }
}

async function overHttp() {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "bench-limits-"));
  const server = spawn(process.execPath, ["-r", "@swc-node/register", "src/main.ts"], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: "127.0.0.1",
      DATA_DIR: dataDir,
      SEED_DEMO_DATA: "false",
      LOG_LEVEL: "error",
      NODE_ENV: "production",
      AUTH_SECRET: "b".repeat(40),
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      if (i > 1800) throw new Error("the server did not start within 180 s");
      if (
        await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const health = async (until: number) => {
      const ms: number[] = [];
      while (Date.now() < until) {
        const t = performance.now();
        await fetch(`${base}/healthz`).then((r) => r.text());
        ms.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
      return ms;
    };
    const idle = await health(Date.now() + 3000);

    const refusals: number[] = [];
    const codes = new Map<string, number>();
    const until = Date.now() + seconds * 1000;
    const client = async (k: number) => {
      for (let i = k; Date.now() < until; i++) {
        const d = TOO_COMPLEX[i % TOO_COMPLEX.length];
        const t = performance.now();
        const res = await fetch(`${base}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: d.query }),
        });
        const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
        refusals.push(performance.now() - t);
        const code = `${res.status} ${body.errors?.[0]?.extensions?.code ?? "no error"}`;
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
    };
    const [busy] = await Promise.all([health(until), ...Array.from({ length: clients }, (_, k) => client(k))]);
    const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
    console.log(`\n## Over HTTP: ${clients} clients sending hostile documents for ${seconds} s\n`);
    console.log(`| what | count | median ms | p99 ms | max ms |`);
    console.log(`|---|---:|---:|---:|---:|`);
    console.log(
      `| /healthz, idle | ${idle.length} | ${median(idle).toFixed(2)} | ${pct(idle, 0.99).toFixed(2)} | ${Math.max(...idle).toFixed(2)} |`,
    );
    console.log(
      `| hostile request, answered | ${refusals.length} | ${median(refusals).toFixed(2)} | ${pct(refusals, 0.99).toFixed(2)} | ${Math.max(...refusals).toFixed(2)} |`,
    );
    console.log(
      `| /healthz during the flood | ${busy.length} | ${median(busy).toFixed(2)} | ${pct(busy, 0.99).toFixed(2)} | ${Math.max(...busy).toFixed(2)} |`,
    );
    console.log(`\nanswers: ${[...codes].map(([c, n]) => `${c} x${n}`).join(", ")} (${(refusals.length / seconds).toFixed(0)} refusals/s)`);
  } finally {
    server.kill("SIGTERM");
    await new Promise((r) => server.once("exit", r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

(async () => {
  console.log(
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}, node ${process.version}`,
  );
  await inProcess();
  await overHttp();
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
