// The demo federation a new installation starts with: Emma already has her father's hours, and
// prison staff find Lee's anonymous donation to the victims' charity waiting for them.
import "reflect-metadata";
import { verifyLedger } from "../../src/modules/ledger/ledger.verify";
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

it("Emma has the two hours her father sent from the prison's bank", async () => {
  const emma = await logIn("emma@families.example");
  const data = await emma.ok(
    `{ myInterBankTransfers { status minutes purpose donorName sourceBank { slug } } myAccounts(timebank: "gloucester-families") { balanceMinutes } }`,
  );
  expect(data.myInterBankTransfers).toEqual([
    { status: "POSTED", minutes: 120, purpose: "FAMILY_SUPPORT", donorName: "Dave Carter", sourceBank: { slug: "gloucester-prison" } },
  ]);
  // 120 from her father, 60 paid to Tom for maths homework.
  expect(data.myAccounts).toEqual([{ balanceMinutes: 60 }]);
});

it("Sarah approves Lee's anonymous donation, Priya accepts it, and the charity never learns who gave", async () => {
  const sarah = await logIn("sarah@prison.example");
  const prison = (await sarah.ok(`{ myInstitutions { id name } }`)).myInstitutions.find(
    (i: { name: string }) => i.name === "HMP Gloucester",
  );
  const waiting = (
    await sarah.ok(`query($i: ID!) { interBankTransfersAwaitingApproval(institutionId: $i) { id donorName anonymous } }`, { i: prison.id })
  ).interBankTransfersAwaitingApproval;
  expect(waiting).toEqual([{ id: expect.any(String), donorName: "Lee Brown", anonymous: true }]);
  const approved = await sarah.ok(`mutation($id: ID!) { approveInterBankTransfer(id: $id) { ... on InterBankTransfer { status } } }`, {
    id: waiting[0].id,
  });
  expect(approved.approveInterBankTransfer.status).toBe("PENDING_ACCEPTANCE");
  const priya = await logIn("priya@families.example");
  const accepted = await priya.ok(
    `mutation($id: ID!) { acceptInterBankTransfer(id: $id) { ... on InterBankTransfer { status donorName recipientName } } }`,
    { id: waiting[0].id },
  );
  expect(accepted.acceptInterBankTransfer).toEqual({ status: "POSTED", donorName: null, recipientName: "Victim Support Gloucestershire" });
  const report = await verifyLedger(t.db.prisma);
  expect(report.problems).toEqual([]);
});
