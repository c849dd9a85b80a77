// Real-time events of the ledger: a member hears at once that hours arrived, and that an
// exchange someone recorded with them waits for their confirmation.
import { Arg, Ctx, Field, ID, Int, ObjectType, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { BankContext, RequestContext } from "../../context/context";
import type { Transfer } from "../../generated/prisma/client";
import { parseCursor } from "../events/events.rules";
import { bankForSubscription, recordEvent, subscribeToEvents } from "../events/events.service";
import type { DeliveredEvent, NewEvent } from "../events/events.types";
import { RealtimeEvent } from "../events/events.type";

declare module "../events/events.types" {
  interface EventPayloads {
    /** Minutes were credited to a member's account (posted). */
    transferReceived: { transferId: string; accountId: string; minutes: number };
    /** A member recorded an exchange with another, who is asked to confirm or reject it. */
    exchangeAwaitingConfirmation: { transferId: string };
  }
}

interface AccountOwner {
  id: string;
  membership: { id: string; personId: string } | null;
}

/**
 * Records the events of transfers just written, inside their transaction: posted ones tell the
 * credited member, pending exchanges tell the party who did not record them.
 */
export async function recordTransferEvents(tx: BankContext, transfers: Transfer[], accounts: AccountOwner[]): Promise<void> {
  for (const event of transferEvents(transfers, accounts)) await recordEvent(tx, event);
}

type TransferFacts = Pick<
  Transfer,
  "id" | "timebankId" | "status" | "kind" | "debitAccountId" | "creditAccountId" | "minutes" | "createdById"
>;

/** The events of transfers (written or about to be written in the same statement), in order. */
export function transferEvents(transfers: TransferFacts[], accounts: AccountOwner[]): NewEvent[] {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const events: NewEvent[] = [];
  for (const t of transfers) {
    const credit = byId.get(t.creditAccountId)?.membership;
    const debit = byId.get(t.debitAccountId)?.membership;
    if (t.status === "POSTED" && credit) {
      events.push({
        type: "transferReceived",
        timebankId: t.timebankId,
        audience: { membershipIds: [credit.id] },
        payload: { transferId: t.id, accountId: t.creditAccountId, minutes: t.minutes },
      } satisfies NewEvent<"transferReceived">);
    }
    if (t.status === "PENDING" && t.kind === "EXCHANGE") {
      const other = [credit, debit].find((m) => m && m.personId !== t.createdById);
      if (other) {
        events.push({
          type: "exchangeAwaitingConfirmation",
          timebankId: t.timebankId,
          audience: { membershipIds: [other.id] },
          payload: { transferId: t.id },
        } satisfies NewEvent<"exchangeAwaitingConfirmation">);
      }
    }
  }
  return events;
}

@ObjectType({
  implements: RealtimeEvent,
  description: "Minutes arrived in your account: read `transfers(account: accountId)` for details.",
})
export class TransferReceived extends RealtimeEvent {
  @Field(() => ID)
  transferId: string;

  @Field(() => ID)
  accountId: string;

  @Field(() => Int)
  minutes: number;
}

@ObjectType({
  implements: RealtimeEvent,
  description: "Someone recorded an exchange with you: confirm or reject it (confirmExchange / rejectExchange).",
})
export class ExchangeAwaitingConfirmation extends RealtimeEvent {
  @Field(() => ID)
  transferId: string;
}

interface BankArgs {
  timebank: string;
  since?: string | null;
}

function subscribeTo(type: "transferReceived" | "exchangeAwaitingConfirmation") {
  return async ({ args, context }: SubscribeResolverData<unknown, BankArgs, RequestContext>) => {
    const since = parseCursor(args.since);
    const timebankId = await bankForSubscription(context, args.timebank, { coordinators: false });
    return subscribeToEvents(context, { timebankIds: [timebankId], types: [type], since });
  };
}

@Resolver()
export class LedgerEventsResolver {
  @Subscription(() => TransferReceived, {
    description: "Hours credited to your account in this bank. With `since`, first the ones after that eventId.",
    subscribe: subscribeTo("transferReceived"),
  })
  transferReceived(
    @Root() e: DeliveredEvent<"transferReceived">,
    @Arg("timebank", { description: "Bank slug." }) _timebank: string,
    @Arg("since", () => ID, { nullable: true }) _since: string | null,
    @Ctx() _ctx: RequestContext,
  ): TransferReceived {
    return { eventId: e.position, timebankId: e.timebankId, occurredAt: e.occurredAt, ...e.payload };
  }

  @Subscription(() => ExchangeAwaitingConfirmation, {
    description: "Exchanges recorded with you that wait for your confirmation.",
    subscribe: subscribeTo("exchangeAwaitingConfirmation"),
  })
  exchangeAwaitingConfirmation(
    @Root() e: DeliveredEvent<"exchangeAwaitingConfirmation">,
    @Arg("timebank", { description: "Bank slug." }) _timebank: string,
    @Arg("since", () => ID, { nullable: true }) _since: string | null,
    @Ctx() _ctx: RequestContext,
  ): ExchangeAwaitingConfirmation {
    return { eventId: e.position, timebankId: e.timebankId, occurredAt: e.occurredAt, transferId: e.payload.transferId };
  }
}
