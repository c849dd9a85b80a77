// Opening accounts. Kept apart from the ledger service so that membership approval and bank
// creation can open accounts inside their own transactions without importing the whole ledger.
import type { Prisma, Timebank } from "../../generated/prisma/client";
import { DEFAULT_POT_CEILING_MINUTES, DEFAULT_POT_FLOOR_MINUTES } from "./ledger.rules";

type Tx = Prisma.TransactionClient;

/**
 * Opens the account of an admitted membership with the bank's default limits. Re-admission
 * after leaving keeps the old account (balance and history belong to the person).
 */
export async function openMemberAccount(
  db: Tx,
  bank: Pick<Timebank, "id" | "creditFloorMinutes" | "balanceCeilingMinutes">,
  membershipId: string,
  now: Date,
): Promise<void> {
  await db.account.createMany({
    data: [
      {
        timebankId: bank.id,
        kind: "MEMBER",
        membershipId,
        floorMinutes: bank.creditFloorMinutes,
        ceilingMinutes: bank.balanceCeilingMinutes,
        openedAt: now,
        updatedAt: now,
      },
    ],
    skipDuplicates: true,
  });
}

/** Opens the bank's community pot (one per bank; a unique index guards it). */
export async function openPotAccount(db: Tx, timebankId: string, now: Date): Promise<void> {
  await db.account.createMany({
    data: [
      {
        timebankId,
        kind: "POT",
        floorMinutes: DEFAULT_POT_FLOOR_MINUTES,
        ceilingMinutes: DEFAULT_POT_CEILING_MINUTES,
        openedAt: now,
        updatedAt: now,
      },
    ],
    skipDuplicates: true,
  });
}
