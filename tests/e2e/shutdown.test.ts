// A graceful stop flushes the outbox: an event committed just before SIGTERM, whose publish had
// not happened yet, goes out before the process exits instead of waiting for another process's poll.
import { startTestServer } from "../helpers/server";
import { createBank, platformAdmin, signUp } from "../helpers/world";

it("stopping the server publishes the outbox events still waiting", async () => {
  const t = await startTestServer(); // background poll once a minute: only the flush can publish in time
  try {
    const admin = await platformAdmin(t);
    const bank = await createBank(t, admin, "flush", await signUp(t, "Flush Coordinator"));
    await t.app.events.relay.publishPending();
    // As if a transaction had just committed an event and the process was told to stop before its kick ran.
    const waiting = await t.db.prisma.outboxEvent.create({ data: { timebankId: bank.id, type: "membershipApplied", toCoordinators: true, payload: { memberId: bank.id } } });
    await t.server.close();
    const after = await t.db.prisma.outboxEvent.findUniqueOrThrow({ where: { timebankId_id: { timebankId: bank.id, id: waiting.id } } });
    expect(after.publishedAt).not.toBeNull();
  } finally {
    await t.db.destroy();
  }
});
