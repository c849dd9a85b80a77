// Monthly statements of every member of a bank: what each one owes and is owed. The same data
// serves the coordinators' `bankStatements` query and `npm run statements`, which writes one CSV
// and one printable HTML page per member to a folder.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Timebank } from "../../generated/prisma/client";
import type { Db } from "../../db/database";
import { monthPeriod } from "./ledger.period";
import { badInput } from "../../common/errors";
import type { Account } from "../../generated/prisma/client";
import type { Tx } from "./ledger.engine";
import { statementLines } from "./ledger.rules";

/** Validates a period: both valid times, from before to. */
export function period(from: Date | null | undefined, to: Date | null | undefined) {
  if (from && Number.isNaN(from.getTime())) throw badInput("from is not a valid time", "from");
  if (to && Number.isNaN(to.getTime())) throw badInput("to is not a valid time", "to");
  if (from && to && from.getTime() >= to.getTime()) throw badInput("from must be before to", "from");
}

/** At most about 13 months per statement. */
const MAX_STATEMENT_DAYS = 400;

/** The statement itself, for one account already known to be visible (also used by the statements command). */
export async function statementOf(db: Db | Tx, account: Account, from: Date, to: Date) {
  period(from, to);
  if (to.getTime() - from.getTime() > MAX_STATEMENT_DAYS * 86_400_000)
    throw badInput(`a statement covers at most ${MAX_STATEMENT_DAYS} days`, "to");
  const scope = {
    timebankId: account.timebankId,
    status: "POSTED" as const,
    OR: [{ debitAccountId: account.id }, { creditAccountId: account.id }],
  };
  // Lines in commit order (postedSeq, docs/ledger.md "Commit order"), so that every running
  // balance shown is one the account had. The period is cut in that order too: it starts at the
  // first transfer posted at or after `from` and ends before the first posted at or after `to`.
  // A transfer whose clock time lies just outside the period but which committed inside it (the
  // time is taken before the locks) is shown where it committed.
  const firstAt = async (t: Date) =>
    (await db.transfer.aggregate({ where: { ...scope, postedAt: { gte: t } }, _min: { postedSeq: true } }))._min.postedSeq;
  const [start, end] = await Promise.all([firstAt(from), firstAt(to)]);
  // null: nothing was posted at or after that time. Before the start: the opening balance.
  const before = start === null ? {} : { postedSeq: { lt: start } };
  const within = start === null ? null : { postedSeq: end === null ? { gte: start } : { gte: start, lt: end } };
  // Opening balance from the transfers themselves, not from the stored balance: a statement is
  // reproducible, and ledger:verify proves the two agree.
  const [ins, outs, transfers] = await Promise.all([
    db.transfer.aggregate({
      where: { timebankId: account.timebankId, status: "POSTED", creditAccountId: account.id, ...before },
      _sum: { minutes: true },
    }),
    db.transfer.aggregate({
      where: { timebankId: account.timebankId, status: "POSTED", debitAccountId: account.id, ...before },
      _sum: { minutes: true },
    }),
    within ? db.transfer.findMany({ where: { ...scope, ...within }, orderBy: { postedSeq: "asc" } }) : Promise.resolve([]),
  ]);
  const opening = (ins._sum.minutes ?? 0) - (outs._sum.minutes ?? 0);
  const s = statementLines(account.id, opening, transfers);
  return {
    account,
    from,
    to,
    openingBalanceMinutes: s.openingMinutes,
    lines: s.lines.map((l) => ({
      transfer: l.transfer,
      inMinutes: l.inMinutes,
      outMinutes: l.outMinutes,
      balanceAfterMinutes: l.balanceAfterMinutes,
    })),
    totalInMinutes: s.totalInMinutes,
    totalOutMinutes: s.totalOutMinutes,
    closingBalanceMinutes: s.closingMinutes,
  };
}

export interface MemberStatement {
  memberNumber: number;
  displayName: string;
  statement: Awaited<ReturnType<typeof statementOf>>;
}

/** Statements of every member account of the bank for one calendar month in the bank's time zone. */
export async function memberStatements(db: Db, bank: Timebank, month: string): Promise<MemberStatement[]> {
  const { from, to } = monthPeriod(month, bank.timezone);
  const accounts = await db.account.findMany({
    where: { timebankId: bank.id, kind: "MEMBER" },
    include: { membership: { select: { memberNumber: true, person: { select: { displayName: true } } } } },
    orderBy: { membership: { memberNumber: "asc" } },
  });
  const result: MemberStatement[] = [];
  for (const a of accounts) {
    const { membership, ...account } = a;
    result.push({
      memberNumber: membership!.memberNumber,
      displayName: membership!.person.displayName,
      statement: await statementOf(db, account, from, to),
    });
  }
  return result;
}

const hours = (minutes: number) =>
  `${minutes < 0 ? "-" : ""}${Math.floor(Math.abs(minutes) / 60)}:${String(Math.abs(minutes) % 60).padStart(2, "0")}`;

function csvField(value: string | number): string {
  const s = String(value);
  // Quote always; double quotes inside; a leading = + - @ is defused so spreadsheets do not run it.
  return `"${(/^[=+\-@]/.test(s) && typeof value === "string" ? `'${s}` : s).replace(/"/g, '""')}"`;
}

/** One row per posted transfer, with the opening and closing balances as the first and last rows. */
export function statementCsv(s: MemberStatement, counterparty: (transferId: string) => string): string {
  const rows: (string | number)[][] = [["date", "kind", "counterparty", "memo", "in_minutes", "out_minutes", "balance_minutes"]];
  rows.push([s.statement.from.toISOString(), "OPENING", "", "", "", "", s.statement.openingBalanceMinutes]);
  for (const l of s.statement.lines) {
    rows.push([
      l.transfer.postedAt!.toISOString(),
      l.transfer.kind,
      counterparty(l.transfer.id),
      l.transfer.memo,
      l.inMinutes,
      l.outMinutes,
      l.balanceAfterMinutes,
    ]);
  }
  rows.push([
    s.statement.to.toISOString(),
    "CLOSING",
    "",
    "",
    s.statement.totalInMinutes,
    s.statement.totalOutMinutes,
    s.statement.closingBalanceMinutes,
  ]);
  return rows.map((r) => r.map(csvField).join(",")).join("\r\n") + "\r\n";
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** A printable page: the member, the period, every line with its running balance, the totals. */
export function statementHtml(
  bank: Pick<Timebank, "name" | "locale" | "timezone">,
  s: MemberStatement,
  counterparty: (transferId: string) => string,
): string {
  const date = new Intl.DateTimeFormat(bank.locale, { timeZone: bank.timezone, dateStyle: "medium" });
  const lines = s.statement.lines
    .map(
      (l) =>
        `<tr><td>${escapeHtml(date.format(l.transfer.postedAt!))}</td><td>${escapeHtml(counterparty(l.transfer.id))}</td><td>${escapeHtml(l.transfer.memo)}</td>` +
        `<td class="n">${l.inMinutes ? hours(l.inMinutes) : ""}</td><td class="n">${l.outMinutes ? hours(l.outMinutes) : ""}</td><td class="n">${hours(l.balanceAfterMinutes)}</td></tr>`,
    )
    .join("\n");
  const last = new Date(s.statement.to.getTime() - 1);
  return `<!doctype html>
<html lang="${escapeHtml(bank.locale)}"><head><meta charset="utf-8"><title>${escapeHtml(`${bank.name}: ${s.displayName}`)}</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ccc;padding:.3em;text-align:left}.n{text-align:right;font-variant-numeric:tabular-nums}@media print{body{margin:0}}</style></head>
<body>
<h1>${escapeHtml(bank.name)}</h1>
<p>Statement for <strong>${escapeHtml(s.displayName)}</strong> (member ${s.memberNumber}), ${escapeHtml(date.format(s.statement.from))} to ${escapeHtml(date.format(last))}. Hours as h:mm.</p>
<table>
<thead><tr><th>Date</th><th>With</th><th>What</th><th class="n">In</th><th class="n">Out</th><th class="n">Balance</th></tr></thead>
<tbody>
<tr><td colspan="5">Opening balance</td><td class="n">${hours(s.statement.openingBalanceMinutes)}</td></tr>
${lines}
<tr><th colspan="3">Totals and closing balance</th><th class="n">${hours(s.statement.totalInMinutes)}</th><th class="n">${hours(s.statement.totalOutMinutes)}</th><th class="n">${hours(s.statement.closingBalanceMinutes)}</th></tr>
</tbody></table>
</body></html>
`;
}

/** Writes `<number>-<name>.csv` and `.html` per member into outDir; returns the files written. */
export async function writeBankStatements(db: Db, slug: string, month: string, outDir: string): Promise<string[]> {
  const bank = await db.timebank.findUnique({ where: { slug } });
  if (!bank) throw new Error(`no bank with the slug '${slug}'`);
  const statements = await memberStatements(db, bank, month);
  // Names of the other side of every line, in one query.
  const transferIds = statements.flatMap((s) => s.statement.lines.map((l) => l.transfer.id));
  const transfers = await db.transfer.findMany({
    where: { timebankId: bank.id, id: { in: transferIds } },
    select: {
      id: true,
      debitAccount: { select: { id: true, kind: true, membership: { select: { person: { select: { displayName: true } } } } } },
      creditAccount: { select: { id: true, kind: true, membership: { select: { person: { select: { displayName: true } } } } } },
    },
  });
  const byId = new Map(transfers.map((x) => [x.id, x]));
  const nameOf = (a: { kind: string; membership: { person: { displayName: string } } | null }) =>
    a.membership?.person.displayName ?? (a.kind === "POT" ? "Community pot" : a.kind);
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  for (const s of statements) {
    const counterparty = (transferId: string) => {
      const x = byId.get(transferId)!;
      return x.debitAccount.id === s.statement.account.id ? nameOf(x.creditAccount) : nameOf(x.debitAccount);
    };
    const base = `${String(s.memberNumber).padStart(4, "0")}-${
      s.displayName
        .toLowerCase()
        .replace(/ø/g, "o")
        .replace(/æ/g, "ae")
        .replace(/ß/g, "ss")
        .normalize("NFKD")
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-|-$/g, "") || "member"
    }`;
    for (const [ext, content] of [
      ["csv", statementCsv(s, counterparty)],
      ["html", statementHtml(bank, s, counterparty)],
    ] as const) {
      const file = path.join(outDir, `${base}.${ext}`);
      writeFileSync(file, content);
      files.push(file);
    }
  }
  return files;
}
