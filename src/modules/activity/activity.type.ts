import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { ActivityKind, ActivityStatus, SignupStatus } from "../../generated/prisma/enums";

registerEnumType(ActivityKind, { name: "ActivityKind" });
registerEnumType(ActivityStatus, { name: "ActivityStatus" });
registerEnumType(SignupStatus, {
  name: "SignupStatus",
  valuesConfig: {
    SIGNED_UP: { description: "Has a place." },
    WAITING: { description: "On the waiting list; moves up when someone cancels." },
    CANCELLED: { description: "Cancelled their sign-up." },
  },
});

@ObjectType({ description: "A group activity: a shared meal, a repair café, a language café, a work party." })
export class Activity {
  @Field(() => ID)
  id: string;

  @Field(() => ActivityKind)
  kind: ActivityKind;

  @Field()
  title: string;

  @Field()
  description: string;

  @Field()
  startsAt: Date;

  @Field(() => Int)
  durationMinutes: number;

  @Field(() => Int)
  places: number;

  @Field(() => ActivityStatus)
  status: ActivityStatus;

  timebankId: string;
  hostId: string;
}

@ObjectType({ description: "A member's sign-up for an activity." })
export class ActivitySignup {
  @Field(() => SignupStatus)
  status: SignupStatus;

  @Field()
  signedUpAt: Date;

  @Field(() => Date, { nullable: true, description: "Set when a coordinator confirmed the member attended." })
  attendedAt: Date | null;

  timebankId: string;
  activityId: string;
  membershipId: string;
}

@InputType()
export class ActivityInput {
  @Field(() => ActivityKind)
  kind: ActivityKind;

  @Field()
  title: string;

  @Field({ nullable: true })
  description?: string;

  @Field()
  startsAt: Date;

  @Field(() => Int)
  durationMinutes: number;

  @Field(() => Int)
  places: number;

  @Field(() => ID, { nullable: true, description: "The hosting member (default: you)." })
  hostId?: string;
}
