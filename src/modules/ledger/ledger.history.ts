// The ledger as the matching's source of exchange history: minutes each member gave (was
// credited for) and received (was debited for) in posted exchanges and pot payments, so
// that reciprocity and inclusion in the scoring rest on the real ledger.
import { Prisma } from "../../generated/prisma/client";
import type { BankContext } from "../../context/context";
import type { ExchangeHistorySource, ExchangeTotals } from "../matching/exchange-history";

interface Row {
  membershipId: string;
  given: number;
  received: number;
  exchanges: number;
}

export const ledgerExchangeHistory: ExchangeHistorySource = {
  async totalsFor(ctx: BankContext, membershipIds: string[]): Promise<Map<string, ExchangeTotals>> {
    if (!membershipIds.length) return new Map();
    const rows = await ctx.db.$queryRaw<Row[]>`
      SELECT a."membershipId" AS "membershipId",
             COALESCE(SUM(t.minutes) FILTER (WHERE t."creditAccountId" = a.id), 0)::int AS given,
             COALESCE(SUM(t.minutes) FILTER (WHERE t."debitAccountId" = a.id), 0)::int AS received,
             COUNT(t.id)::int AS exchanges
        FROM "Account" a
        JOIN "Transfer" t
          ON t."timebankId" = a."timebankId"
         AND (t."creditAccountId" = a.id OR t."debitAccountId" = a.id)
       WHERE a."timebankId" = ${ctx.bank.id}::uuid
         AND a.kind = 'MEMBER'
         AND a."membershipId" IN (${Prisma.join(membershipIds.map((id) => Prisma.sql`${id}::uuid`))})
         AND t.status = 'POSTED'
         AND t.kind IN ('EXCHANGE', 'POT_PAYMENT')
       GROUP BY a."membershipId"`;
    return new Map(rows.map((r) => [r.membershipId, { givenMinutes: r.given, receivedMinutes: r.received, exchangeCount: r.exchanges }]));
  },
};
