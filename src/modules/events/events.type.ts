import { Field, ID, InterfaceType } from "type-graphql";

/** What every real-time event carries: ids only; the client re-reads what it needs. */
@InterfaceType({
  description:
    "A real-time event. Pass the eventId of the last one you saw as `since` when you resubscribe, to receive what you missed exactly once.",
})
export abstract class RealtimeEvent {
  @Field(() => ID, { description: "Cursor for `since`: increases in the order events are published." })
  eventId: string;

  @Field(() => ID)
  timebankId: string;

  @Field(() => Date, { description: "When the change happened." })
  occurredAt: Date;
}
