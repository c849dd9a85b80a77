// Demo ledger for `npm start` on an empty database: accounts for every admitted demo member and
// every bank's pot, and a few exchanges that tell what timebanks are for. The minutes move
// through the same guarded engine as in production, so the demo books verify clean.
import type { TransferKind } from "../../generated/prisma/enums";
import { insertTransfers, postDeltas, reserveTransfer, type Tx } from "./ledger.engine";
import { openMemberAccount, openPotAccount } from "./ledger.accounts";
import { netDeltas, requestHash } from "./ledger.rules";

interface DemoMove {
  bank: string;
  /** Email of the member paying, or "pot". */
  from: string;
  /** Email of the member earning, or "pot". */
  to: string;
  minutes: number;
  kind: TransferKind;
  memo: string;
  /** Recorded by the first party and waiting for the other one to confirm. */
  pending?: boolean;
}

const DEMO_MOVES: DemoMove[] = [
  {
    bank: "aarhus",
    from: "else@aarhus.example",
    to: "jonas@aarhus.example",
    minutes: 90,
    kind: "EXCHANGE",
    memo: "Jonas repaired Else's bike",
  },
  {
    bank: "aarhus",
    from: "maja@aarhus.example",
    to: "ahmad@aarhus.example",
    minutes: 60,
    kind: "EXCHANGE",
    memo: "Ahmad translated a letter from Arabic for a neighbour Maja looks after",
  },
  {
    bank: "aarhus",
    from: "ahmad@aarhus.example",
    to: "else@aarhus.example",
    minutes: 120,
    kind: "EXCHANGE",
    memo: "Danish conversation over coffee",
  },
  {
    bank: "aarhus",
    from: "pot",
    to: "ahmad@aarhus.example",
    minutes: 180,
    kind: "POT_PAYMENT",
    memo: "Cooked the neighbourhood dinner in Gellerup",
  },
  { bank: "aarhus", from: "else@aarhus.example", to: "pot", minutes: 30, kind: "POT_DONATION", memo: "For whoever needs it" },
  {
    bank: "aarhus",
    from: "else@aarhus.example",
    to: "jonas@aarhus.example",
    minutes: 60,
    kind: "EXCHANGE",
    memo: "Set up video calls on Else's tablet",
    pending: true,
  },
  {
    bank: "gloucester-prison",
    from: "pot",
    to: "dave@prison.example",
    minutes: 240,
    kind: "POT_PAYMENT",
    memo: "Refurbished four bikes for the community workshop",
  },
  {
    bank: "gloucester-prison",
    from: "dave@prison.example",
    to: "lee@prison.example",
    minutes: 60,
    kind: "EXCHANGE",
    memo: "Lee helped true the wheels",
  },
  {
    bank: "gloucester-families",
    from: "emma@families.example",
    to: "tom@families.example",
    minutes: 60,
    kind: "EXCHANGE",
    memo: "Maths homework: fractions",
  },
  {
    bank: "riverside-clinic",
    from: "frank@clinic.example",
    to: "aisha@clinic.example",
    minutes: 90,
    kind: "EXCHANGE",
    memo: "Lift to the hospital appointment",
  },
  {
    bank: "riverside-clinic",
    from: "aisha@clinic.example",
    to: "frank@clinic.example",
    minutes: 60,
    kind: "EXCHANGE",
    memo: "Phone friend calls this week",
  },
];

/** Opens the demo accounts and records the demo exchanges, inside the seed's transaction. */
export async function seedDemoLedger(tx: Tx, now: Date): Promise<void> {
  const banks = await tx.timebank.findMany();
  for (const bank of banks) {
    await openPotAccount(tx, bank.id, now);
    const admitted = await tx.membership.findMany({
      where: { timebankId: bank.id, status: { in: ["ACTIVE", "PAUSED"] } },
      select: { id: true },
    });
    for (const m of admitted) await openMemberAccount(tx, bank, m.id, now);
  }
  const accounts = await tx.account.findMany({
    include: { membership: { select: { role: true, person: { select: { id: true, email: true } } } } },
  });
  const bankBySlug = new Map(banks.map((b) => [b.slug, b]));
  const accountOf = (bankId: string, who: string) => {
    const found = accounts.find((a) => a.timebankId === bankId && (who === "pot" ? a.kind === "POT" : a.membership?.person.email === who));
    if (!found) throw new Error(`demo ledger: no account for ${who}`);
    return found;
  };
  for (const [i, move] of DEMO_MOVES.entries()) {
    const bank = bankBySlug.get(move.bank)!;
    const debit = accountOf(bank.id, move.from);
    const credit = accountOf(bank.id, move.to);
    const coordinator = accounts.find((a) => a.timebankId === bank.id && a.membership?.role === "ADMIN")!.membership!.person.id;
    // A member records their own exchange (pending); coordinators record the rest.
    const createdById = move.pending ? credit.membership!.person.id : coordinator;
    const leg = { debitAccountId: debit.id, creditAccountId: credit.id, minutes: move.minutes };
    if (move.pending) await reserveTransfer(tx, bank.id, leg, now);
    else await postDeltas(tx, bank.id, netDeltas([leg]), now, { requireActive: true });
    const key = `demo-${i + 1}`;
    await insertTransfers(tx, bank.id, [
      {
        ...leg,
        kind: move.kind,
        status: move.pending ? "PENDING" : "POSTED",
        memo: move.memo,
        idempotencyKey: key,
        requestHash: requestHash("demo", createdById, { key }),
        createdById,
        createdAt: now,
        postedAt: move.pending ? null : now,
      },
    ]);
  }
}
