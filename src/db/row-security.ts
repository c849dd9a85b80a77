// Row-level security, the second line of defence behind the tenant filters in every service:
// the server's PostgreSQL role does not own the tables, and the policies of migration
// 20261128200000_row_level_security show it only the rows of the banks named in the setting
// timebank.bank_ids (every bank-owned table since migration 20261129010000). A connection starts
// with every bank ('*', see openPostgres) and serves a request's statements narrowed to that
// request's banks (src/db/bank-scope.ts); a transaction working for one bank, or for the two
// banks of cross-bank work, narrows itself further here, so a query in it that forgets its bank
// filter still cannot see or touch another bank's rows.
import type { Db } from "./database";

/**
 * Limits the current transaction to the given banks (transaction-local: set_config(..., true),
 * so the connection returns to the pool unchanged). Cross-bank work (an inter-bank transfer's
 * two legs, a partnership's two clearing accounts) names every bank it touches.
 */
export async function scopeTransactionToBanks(tx: Db, bankIds: readonly string[]): Promise<void> {
  if (!bankIds.length) throw new Error("a transaction must be scoped to at least one bank");
  await tx.$queryRaw`SELECT set_config('timebank.bank_ids', ${bankIds.join(",")}, true) AS scope`;
}
