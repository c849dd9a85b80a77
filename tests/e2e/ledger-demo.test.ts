// The demo data a new installation starts with has books that balance, and its exchanges
// are visible to the people in them.
import "reflect-metadata";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
import { DEMO_INTER_BANK_TRANSFERS } from "../../src/modules/stats/stats.seed";
import { DEMO_PASSWORD } from "../../src/seed/demo";
import { startTestServer, type TestServer } from "../helpers/server";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ config: { seedDemoData: true } });
});
afterAll(() => t.close());

async function logIn(email: string) {
  const data = await t.client.ok(`mutation($input: LogInInput!) { logIn(input: $input) { ... on AuthPayload { token } } }`, {
    input: { email, password: DEMO_PASSWORD },
  });
  return t.client.withToken(data.logIn.token);
}

it("Jonas sees the bike repair he was paid for and the tablet help waiting for Else's confirmation", async () => {
  const jonas = await logIn("jonas@aarhus.example");
  const data = await jonas.ok(`{ myAccounts(timebank: "aarhus") { id balanceMinutes pendingInMinutes } }`);
  expect(data.myAccounts).toEqual([{ id: expect.any(String), balanceMinutes: 90, pendingInMinutes: 60 }]);
  const transfers = await jonas.ok(`query($id: ID!) { transfers(account: $id) { nodes { memo status debit { displayName } } } }`, {
    id: data.myAccounts[0].id,
  });
  expect(transfers.transfers.nodes).toEqual(
    expect.arrayContaining([
      { memo: "Jonas repaired Else's bike", status: "POSTED", debit: { displayName: "Else Sørensen" } },
      { memo: "Set up video calls on Else's tablet", status: "PENDING", debit: { displayName: "Else Sørensen" } },
    ]),
  );
  const pot = await jonas.ok(`{ communityPot(timebank: "aarhus") { balanceMinutes } }`);
  expect(pot.communityPot.balanceMinutes).toBe(-150);
});

it("the demo books verify clean", async () => {
  const report = await verifyLedger(t.db.prisma);
  expect(report.problems).toEqual([]);
  // The statistics demo adds generated banks (gen-demo-*) whose generated ledger verifies too,
  // and inter-bank transfers among them sent through the federation (two legs each).
  const generated = await t.db.prisma.transfer.count({ where: { idempotencyKey: { startsWith: "gen-" } } });
  expect(
    report.banks
      .map((b) => b.bank)
      .filter((b) => !b.startsWith("gen-demo-"))
      .sort(),
  ).toEqual(["aarhus", "gloucester-families", "gloucester-prison", "riverside-clinic"]);
  // + the demo federation: two inter-bank transfers of two legs each
  expect(report.transfers - generated).toBe(11 + 4 + 2 * DEMO_INTER_BANK_TRANSFERS);
  const demoBanks = await t.db.prisma.timebank.findMany({ where: { slug: { startsWith: "gen-demo-" } }, select: { id: true } });
  const flows = await t.db.prisma.interBankTransfer.count({ where: { status: "POSTED", timebankId: { in: demoBanks.map((b) => b.id) } } });
  expect(flows).toBe(DEMO_INTER_BANK_TRANSFERS);
});
