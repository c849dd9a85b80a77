// Demo statistics: the demo banks have a handful of members each, so nearly every figure of
// theirs counts fewer than 5 people and is suppressed, as it should be. To give the dashboard
// something to show, the demo adds eight generated banks ("gen-demo-*", 60 members each,
// 6,000 exchanges over 13 months, 60% of members giving participation answers), partnerships
// among them with inter-bank transfers sent through the federation's own code (so the flow
// matrix has cells of more than 5 senders), and a person of the umbrella body.
import type { App } from "../../context/context";
import { hashPassword } from "../auth/password";
import { openClearingAccounts } from "../federation/federation.partners";
import { OWNED, send } from "../federation/federation.transfers";
import { requestHash } from "../ledger/ledger.rules";
import { generateDataset } from "./stats.generate";
import { refreshRollups } from "./stats.refresh";

export const DEMO_UMBRELLA_EMAIL = "analyst@umbrella.example";

/** Pairs of generated demo banks (by number) in partnership, and the purpose of their transfers. */
const DEMO_PARTNERS: [number, number, "FAMILY_SUPPORT" | "GENERAL"][] = [
  [1, 2, "FAMILY_SUPPORT"],
  [2, 3, "GENERAL"],
  [3, 1, "FAMILY_SUPPORT"],
  [4, 5, "GENERAL"],
  [6, 1, "FAMILY_SUPPORT"],
];
/** Members of each source bank who send hours in each of the last three months (at least 5 per cell, so it is shown). */
const DEMO_SENDERS = 6;
const DEMO_FLOW_MONTHS = [2, 1, 0];
/** How many inter-bank transfers the statistics demo sends (each is two ledger legs, one per bank). */
export const DEMO_INTER_BANK_TRANSFERS = DEMO_PARTNERS.length * DEMO_FLOW_MONTHS.length * DEMO_SENDERS;

export async function seedDemoStatistics(app: App, password: string): Promise<void> {
  const db = app.database.prisma;
  const now = app.clock.now();
  await generateDataset(db, { tag: "demo", banks: 8, membersPerBank: 60, transfers: 6000, days: 395, end: now, participationShare: 0.6 });
  await seedDemoInterBankFlows(app, now);
  await db.person.create({
    data: {
      email: DEMO_UMBRELLA_EMAIL,
      displayName: "National Umbrella Analyst",
      passwordHash: await hashPassword(password),
      isUmbrella: true,
    },
  });
  await refreshRollups(app.database, { full: true, clock: app.clock });
}

/**
 * Partnerships among the generated banks, and inter-bank transfers in each of the last three
 * months, each through `send` (the checks, both legs, the clearing accounts) as the API does it.
 */
async function seedDemoInterBankFlows(app: App, now: Date): Promise<void> {
  const DAY = 86_400_000;
  await app.database.prisma.$transaction(
    async (tx) => {
      const bank = (n: number) => tx.timebank.findUniqueOrThrow({ where: { slug: `gen-demo-${n}` } });
      // The n-th active member after the coordinator (number 1): paused and departed members send and receive nothing.
      const member = (timebankId: string, n: number) =>
        tx.account.findFirstOrThrow({
          where: { timebankId, kind: "MEMBER", status: "ACTIVE", membership: { status: "ACTIVE", memberNumber: { gt: 1 } } },
          orderBy: { membership: { memberNumber: "asc" } },
          skip: n,
          include: OWNED,
        });
      const coordinator = async (timebankId: string) =>
        (await tx.membership.findFirstOrThrow({ where: { timebankId, memberNumber: 1 } })).personId;
      const since = new Date(now.getTime() - 100 * DAY);
      for (const [from, to, purpose] of DEMO_PARTNERS) {
        const [source, target] = [await bank(from), await bank(to)];
        const partnership = await tx.partnership.create({
          data: {
            proposerBankId: source.id,
            partnerBankId: target.id,
            status: "ACTIVE",
            purposes: [purpose],
            proposerToPartnerCapMinutes: 60_000,
            partnerToProposerCapMinutes: 60_000,
            incomingNeedsAcceptance: false,
            proposedById: await coordinator(source.id),
            acceptedById: await coordinator(target.id),
            createdAt: since,
            activatedAt: since,
            updatedAt: since,
          },
        });
        await openClearingAccounts(tx, partnership, since);
        for (const monthsAgo of DEMO_FLOW_MONTHS) {
          for (let i = 0; i < DEMO_SENDERS; i++) {
            // Six members of the source bank send to six others of the target bank, minutes apart, in
            // this month and about one and two months ago (the dashboard's matrix shows the last month).
            const at = new Date(now.getTime() - monthsAgo * 30 * DAY - (i + 1) * 60_000);
            const sender = await member(source.id, i);
            const recipient = await member(target.id, 10 + i);
            const personId = sender.membership!.personId;
            const key = `demo-flow-${from}-${to}-${monthsAgo}-${i}`;
            await send(
              { db: tx, bank: source, now: at },
              {
                sender,
                recipient: { kind: "MEMBER", account: recipient },
                target,
                minutes: 60 + 15 * (i % 4),
                purpose,
                message: "",
                anonymous: false,
                key,
                hash: requestHash("demo", personId, { key }),
                personId,
              },
            );
          }
        }
      }
    },
    { timeout: 120_000 },
  );
}
