import DataLoader from "dataloader";
import type { Db } from "../../db/database";
import type { Account, Transfer } from "../../generated/prisma/client";
import type { AccountKind } from "../../generated/prisma/enums";
import { byKey } from "../../common/keyed";

export interface PartyRow {
  accountId: string;
  kind: AccountKind;
  memberId: string | null;
  displayName: string;
}

export function createLedgerLoaders(db: Db) {
  return {
    // membershipById: see member.loaders.ts (one loader for the whole request, with the person's name).
    accountByMembership: new DataLoader<string, Account | null>(async (ids) =>
      byKey(ids, await db.account.findMany({ where: { membershipId: { in: [...ids] } } }), (a) => a.membershipId!),
    ),
    /** Who is behind an account, without its balance: what every party to a transfer may see. */
    partyByAccount: new DataLoader<string, PartyRow | null>(async (ids) => {
      const rows = await db.account.findMany({
        where: { id: { in: [...ids] } },
        select: {
          id: true,
          kind: true,
          membershipId: true,
          membership: { select: { person: { select: { displayName: true } } } },
          // Federation: an institution account is named after its institution.
          institutionMembership: { select: { institution: { select: { name: true } } } },
        },
      });
      const parties = rows.map((a) => ({
        accountId: a.id,
        kind: a.kind,
        memberId: a.membershipId,
        displayName:
          a.membership?.person.displayName ??
          a.institutionMembership?.institution.name ??
          (a.kind === "POT" ? "Community pot" : a.kind === "CLEARING" ? "Partner bank clearing" : "Account"),
      }));
      return byKey(ids, parties, (p) => p.accountId);
    }),
    reversalOfTransfer: new DataLoader<string, Transfer | null>(async (ids) =>
      byKey(ids, await db.transfer.findMany({ where: { reversesTransferId: { in: [...ids] } } }), (t) => t.reversesTransferId!),
    ),
  };
}
