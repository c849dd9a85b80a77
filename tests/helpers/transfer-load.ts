// A ledger bank test as clients see it, for fault tests: many clients move minutes through
// GraphQL with idempotency keys and retry every request they got no answer to (connection
// refused, reset, an internal error) with the same key, the way a phone app on a bad network
// would, until it is answered. Afterwards the books are checked against what was acknowledged.
import type { TestDatabase } from "./database";
import { GraphQLClient } from "./client";
import { prng } from "./random";
import { issueToken } from "../../src/modules/auth/token";
import { openMemberAccount } from "../../src/modules/ledger/ledger.accounts";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import { TEST_AUTH_SECRET, type TestServer } from "./server";
import { createBank, platformAdmin, signUp, type Actor } from "./world";

export interface Holder {
  memberId: string;
  accountId: string;
  client: GraphQLClient;
}

export interface LoadBank {
  slug: string;
  bankId: string;
  coordinator: Actor;
  holders: Holder[];
  hot: number;
}

/**
 * A bank with `hot` members on tight limits (so refusals happen under contention) and `cold`
 * others. Members are rows written directly with tokens minted with the test secret: hundreds
 * of password hashes would only slow the setup down.
 */
export async function setUpLoadBank(url: string, db: TestDatabase, slug: string, hot = 8, cold = 40): Promise<LoadBank> {
  const t = { client: new GraphQLClient(url), db } as unknown as TestServer;
  const admin = await platformAdmin(t);
  const coordinator = await signUp(t, `${slug} Coordinator`);
  const bank = await createBank(t, admin, slug, coordinator);
  const prisma = db.prisma;
  const now = new Date();
  const timebank = await prisma.timebank.findUniqueOrThrow({ where: { id: bank.id } });
  const holders: Holder[] = [];
  for (let i = 0; i < hot + cold; i++) {
    const person = await prisma.person.create({
      data: { email: `${slug}-${i}@example.org`, displayName: `${slug} ${i}`, passwordHash: "not-a-login" },
    });
    const membership = await prisma.membership.create({
      data: {
        timebankId: bank.id,
        personId: person.id,
        memberNumber: 100 + i,
        status: "ACTIVE",
        appliedAt: now,
        approvedAt: now,
        joinedAt: now,
      },
    });
    await openMemberAccount(prisma, timebank, membership.id, now);
    const limits = i < hot ? { floorMinutes: -300, ceilingMinutes: 300 } : { floorMinutes: -600, ceilingMinutes: 900 };
    const account = await prisma.account.update({
      where: { timebankId_membershipId: { timebankId: bank.id, membershipId: membership.id } },
      data: limits,
    });
    holders.push({
      memberId: membership.id,
      accountId: account.id,
      client: t.client.withToken(issueToken(person.id, TEST_AUTH_SECRET, 3600, now).token),
    });
  }
  return { slug, bankId: bank.id, coordinator, holders, hot };
}

const TRANSFER = `__typename ... on Transfer { id } ... on ErrorResult { code }`;
const GROUP = `__typename ... on GroupExchange { transfers { id } } ... on ErrorResult { code }`;

type Answer = { __typename: string; id?: string; transfers?: { id: string }[] };

export interface LoadStats {
  sent: number;
  acknowledged: number;
  refused: number;
  /** Attempts that got no answer (connection refused or reset) or an internal error, and were retried. */
  failedAttempts: number;
  /** Requests that needed at least one retry. */
  retriedRequests: number;
}

/**
 * `clients` workers send transfers until stop(); each request is retried with its key until it
 * gets a business answer (a transfer or a typed refusal) or `giveUpAfterMs` passes.
 */
export class TransferLoad {
  readonly acknowledged = new Map<string, string[]>(); // idempotency key -> transfer ids
  /** Keys whose first attempt got no answer: their outcome was learnt only by retrying. */
  readonly retriedKeys = new Set<string>();
  readonly unresolved = new Set<string>();
  readonly violations: string[] = [];
  readonly stats: LoadStats = { sent: 0, acknowledged: 0, refused: 0, failedAttempts: 0, retriedRequests: 0 };
  readonly errorCodes = new Map<string, number>();
  private stopping = false;
  private workers: Promise<void>[] = [];

  constructor(
    private readonly bank: LoadBank,
    private readonly seed: number,
    private readonly giveUpAfterMs = 90_000,
  ) {}

  start(clients: number): void {
    this.workers = Array.from({ length: clients }, (_, w) => this.worker(w));
  }

  /** Stops sending new requests and waits until every request sent has its answer. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.workers);
  }

  /** Resolves once `n` more transfers have been acknowledged. */
  async waitForAcknowledged(n: number, timeoutMs = 60_000): Promise<void> {
    const target = this.stats.acknowledged + n;
    const until = Date.now() + timeoutMs;
    while (this.stats.acknowledged < target) {
      if (Date.now() > until) throw new Error(`only ${this.stats.acknowledged} of ${target} transfers acknowledged in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private async send(client: GraphQLClient, query: string, input: Record<string, unknown>, field: string): Promise<Answer | null> {
    const key = input.idempotencyKey as string;
    const until = Date.now() + this.giveUpAfterMs;
    this.stats.sent++;
    for (let attempt = 0; Date.now() < until; attempt++) {
      if (attempt === 1) {
        this.stats.retriedRequests++;
        this.retriedKeys.add(key);
      }
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(500, 25 * attempt)));
      let res;
      try {
        res = await client.request(query, { input });
      } catch {
        this.stats.failedAttempts++; // no answer: refused, reset, or the process died mid-request
        continue;
      }
      if (res.errors?.length) {
        const code = String(res.errors[0].extensions?.code);
        this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
        if (code === "IDEMPOTENCY_KEY_REUSED" || code === "BAD_USER_INPUT")
          this.violations.push(`unexpected ${code} for ${JSON.stringify(input)}`);
        this.stats.failedAttempts++;
        continue;
      }
      return res.data[field] as Answer;
    }
    this.unresolved.add(key);
    return null;
  }

  private record(key: string, result: Answer | null) {
    if (!result) return;
    if (result.__typename === "Transfer" || result.__typename === "GroupExchange") {
      const ids = result.transfers ? result.transfers.map((x) => x.id) : [result.id!];
      const earlier = this.acknowledged.get(key);
      if (earlier && earlier.join() !== ids.join()) this.violations.push(`key ${key} acknowledged as ${earlier} and as ${ids}`);
      if (!earlier) this.stats.acknowledged++;
      this.acknowledged.set(key, ids);
    } else this.stats.refused++;
  }

  private async worker(w: number): Promise<void> {
    const random = prng(this.seed + w * 7919);
    const { holders, hot, coordinator, slug } = this.bank;
    const pick = () =>
      random() < 0.6 ? holders[Math.floor(random() * hot)] : holders[hot + Math.floor(random() * (holders.length - hot))];
    const pair = () => {
      const a = pick();
      let b = pick();
      while (b === a) b = pick();
      return [a, b] as const;
    };
    for (let n = 0; !this.stopping; n++) {
      // Keys from the seed: a replay sends the same requests (the interleaving still differs).
      const key = `load-${this.seed}-${w}-${n}`;
      const roll = random();
      const minutes = 1 + Math.floor(random() * 120);
      if (roll < 0.6) {
        const [giver, receiver] = pair();
        const q = `mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { ${TRANSFER} } }`;
        this.record(
          key,
          await this.send(
            coordinator.client,
            q,
            { timebank: slug, giverMemberId: giver.memberId, receiverMemberId: receiver.memberId, minutes, idempotencyKey: key },
            "recordExchange",
          ),
        );
      } else if (roll < 0.9) {
        const [from, to] = pair();
        const q = `mutation($input: GiveHoursInput!) { giveHours(input: $input) { ${TRANSFER} } }`;
        this.record(
          key,
          await this.send(from.client, q, { timebank: slug, toMemberId: to.memberId, minutes, idempotencyKey: key }, "giveHours"),
        );
      } else {
        const [a, b] = pair();
        const [c] = pair();
        const q = `mutation($input: RecordGroupExchangeInput!) { recordGroupExchange(input: $input) { ${GROUP} } }`;
        const legs = [
          { giverMemberId: a.memberId, receiverMemberId: b.memberId, minutes },
          { giverMemberId: a.memberId, receiverMemberId: c === a ? b.memberId : c.memberId, minutes: 1 + Math.floor(random() * 60) },
          { giverMemberId: b.memberId, receiverMemberId: null, minutes: 1 + Math.floor(random() * 30) },
        ];
        this.record(key, await this.send(coordinator.client, q, { timebank: slug, legs, idempotencyKey: key }, "recordGroupExchange"));
      }
    }
  }
}

/**
 * The books after a fault test: every acknowledged transfer stored exactly once under its key,
 * nothing stored that was not acknowledged, the bank's total unchanged, every account within
 * its limits, and ledger verification clean. Returns a list of problems (empty when all hold).
 */
export async function checkBooks(db: TestDatabase, bank: LoadBank, load: TransferLoad, totalBefore: number): Promise<string[]> {
  const problems = [...load.violations];
  if (load.unresolved.size) problems.push(`${load.unresolved.size} requests never answered: ${[...load.unresolved].slice(0, 5)}`);
  const prisma = db.prisma;
  const after = await prisma.account.aggregate({ where: { timebankId: bank.bankId }, _sum: { balanceMinutes: true } });
  if (after._sum.balanceMinutes !== totalBefore) problems.push(`bank total moved from ${totalBefore} to ${after._sum.balanceMinutes}`);
  const outside = await prisma.$queryRaw<{ id: string }[]>`
    SELECT "id" FROM "Account" WHERE "balanceMinutes" < "floorMinutes" OR "balanceMinutes" > "ceilingMinutes"`;
  if (outside.length) problems.push(`accounts outside their limits: ${outside.map((o) => o.id)}`);
  const rows = await prisma.transfer.findMany({ where: { timebankId: bank.bankId }, select: { id: true, idempotencyKey: true } });
  const stored = new Map<string, string[]>();
  for (const r of rows) stored.set(r.idempotencyKey, [...(stored.get(r.idempotencyKey) ?? []), r.id]);
  const ackedIds = [...load.acknowledged.values()].flat();
  if (new Set(ackedIds).size !== ackedIds.length) problems.push("one transfer id acknowledged under two keys");
  if (rows.length !== ackedIds.length) problems.push(`${rows.length} transfers stored, ${ackedIds.length} acknowledged`);
  for (const [key, ids] of load.acknowledged) {
    const have = [...(stored.get(key) ?? [])].sort().join();
    if (have !== [...ids].sort().join()) problems.push(`key ${key}: acknowledged ${ids}, stored ${have || "nothing"}`);
  }
  const report = await verifyLedger(prisma);
  for (const p of report.problems) problems.push(`ledger:verify: ${p.bank} ${p.accountId ?? ""} ${p.problem}`);
  return problems;
}

/** Transfers whose answer was lost (first attempt unanswered) but which had been committed before `instant`. */
export async function committedBefore(db: TestDatabase, bank: LoadBank, keys: Iterable<string>, instant: Date): Promise<number> {
  const list = [...keys];
  if (!list.length) return 0;
  return db.prisma.transfer.count({ where: { timebankId: bank.bankId, idempotencyKey: { in: list }, createdAt: { lt: instant } } });
}
