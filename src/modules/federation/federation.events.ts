// Real-time events of the federation: coordinators of both banks, the sender and the recipient
// hear at once when an inter-bank transfer is created or changes state.
import { Arg, Ctx, Field, ID, ObjectType, Resolver, Root, Subscription, type SubscribeResolverData } from "type-graphql";
import type { RequestContext } from "../../context/context";
import type { InterBankTransfer, Prisma } from "../../generated/prisma/client";
import type { InterBankTransferStatus } from "../../generated/prisma/enums";
import { parseCursor } from "../events/events.rules";
import { bankForSubscription, insertOutboxEvent, subscribeToEvents } from "../events/events.service";
import type { DeliveredEvent } from "../events/events.types";
import { RealtimeEvent } from "../events/events.type";

declare module "../events/events.types" {
  interface EventPayloads {
    /** An inter-bank transfer was created or changed state; one event in each bank. */
    interBankTransferChanged: { interBankTransferId: string; status: InterBankTransferStatus };
  }
}

/**
 * Records the change in both banks, inside the transaction of the change: for each bank its
 * coordinators and the member of that bank involved (the sender in the source bank, the
 * recipient in the target bank). The relay's poll publishes it after commit.
 */
export async function recordInterBankChange(tx: Prisma.TransactionClient, t: InterBankTransfer): Promise<void> {
  const legs = await tx.transfer.findMany({
    where: {
      OR: [
        { timebankId: t.timebankId, id: t.sourceTransferId },
        { timebankId: t.targetTimebankId, id: t.targetTransferId },
      ],
    },
    select: { timebankId: true, id: true, debitAccountId: true, creditAccountId: true },
  });
  const source = legs.find((l) => l.id === t.sourceTransferId);
  const target = legs.find((l) => l.id === t.targetTransferId);
  const accountIds = [source?.debitAccountId, target?.creditAccountId].filter((x): x is string => !!x);
  const accounts = await tx.account.findMany({ where: { id: { in: accountIds } }, select: { id: true, membershipId: true } });
  const memberOf = (id: string | undefined) => accounts.find((a) => a.id === id)?.membershipId ?? null;
  const payload = { interBankTransferId: t.id, status: t.status };
  // The recipient hears of a gift only once the donor's institution approved it (if it must).
  const recipient = t.approverInstitutionMembershipId && !t.approvedAt ? null : memberOf(target?.creditAccountId);
  for (const [timebankId, member] of [
    [t.timebankId, memberOf(source?.debitAccountId)],
    [t.targetTimebankId, recipient],
  ] as const) {
    await insertOutboxEvent(tx, {
      type: "interBankTransferChanged",
      timebankId,
      audience: { coordinators: true, membershipIds: member ? [member] : [] },
      payload,
    });
  }
}

@ObjectType({
  implements: RealtimeEvent,
  description: "An inter-bank transfer of this bank changed: read `interBankTransfer(id: interBankTransferId)`.",
})
export class InterBankTransferChanged extends RealtimeEvent {
  @Field(() => ID)
  interBankTransferId: string;

  @Field()
  status: string;
}

async function subscribeChanged({
  args,
  context,
}: SubscribeResolverData<unknown, { timebank: string; since?: string | null }, RequestContext>) {
  const since = parseCursor(args.since);
  const timebankId = await bankForSubscription(context, args.timebank, { coordinators: false });
  return subscribeToEvents(context, { timebankIds: [timebankId], types: ["interBankTransferChanged"], since });
}

@Resolver()
export class FederationEventsResolver {
  @Subscription(() => InterBankTransferChanged, {
    description:
      "Coordinators of either bank, and the sender or recipient: inter-bank transfers created or changing state. With `since`, first the ones after that eventId.",
    subscribe: subscribeChanged,
  })
  interBankTransferChanged(
    @Root() e: DeliveredEvent<"interBankTransferChanged">,
    @Arg("timebank", { description: "Bank slug." }) _timebank: string,
    @Arg("since", () => ID, { nullable: true }) _since: string | null,
    @Ctx() _ctx: RequestContext,
  ): InterBankTransferChanged {
    return { eventId: e.position, timebankId: e.timebankId, occurredAt: e.occurredAt, ...e.payload };
  }
}
