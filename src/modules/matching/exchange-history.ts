// What the ledger knows about a member's past exchanges, as the matching needs it. The ledger is
// built in its own module: until it provides a source, every member counts as having given and
// received nothing (accepted matches still count as exchanges, see matching.service.ts).
import type { BankContext } from "../../context/context";

export interface ExchangeTotals {
  givenMinutes: number;
  receivedMinutes: number;
  exchangeCount: number;
}

export interface ExchangeHistorySource {
  /** Totals per membership id of the context's bank; members without any are left out. */
  totalsFor(ctx: BankContext, membershipIds: string[]): Promise<Map<string, ExchangeTotals>>;
}

export const NO_EXCHANGES: Readonly<ExchangeTotals> = Object.freeze({ givenMinutes: 0, receivedMinutes: 0, exchangeCount: 0 });

/** The source before the ledger exists: nobody has exchanged anything yet. */
export const noLedgerYet: ExchangeHistorySource = {
  async totalsFor() {
    return new Map();
  },
};

let current: ExchangeHistorySource = noLedgerYet;

/** The ledger module registers its source here at start-up. */
export function setExchangeHistorySource(source: ExchangeHistorySource): void {
  current = source;
}

export function exchangeHistory(): ExchangeHistorySource {
  return current;
}
