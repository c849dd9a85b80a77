import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { ErrorResult } from "../../common/errors";
import { PrivacyAction, PrivacyRequester } from "../../generated/prisma/enums";

registerEnumType(PrivacyAction, { name: "PrivacyAction", description: "An export of a member's data, or its erasure." });
registerEnumType(PrivacyRequester, {
  name: "PrivacyRequester",
  description:
    "Who asked: the member, their authorised helper, a coordinator (for a member without a login, or on a member's request), or the bank's retention policy.",
});

@ObjectType({
  description:
    "The person's personal data was erased in every bank; memberships, accounts and transfers stay as anonymous rows so the books and the statistics stay whole.",
})
export class Forgotten {
  @Field()
  erasedAt: Date;

  @Field({ description: "How many memberships were kept as anonymous rows." })
  anonymisedMemberships: number;
}

@ObjectType({ implements: ErrorResult, description: "The person cannot be forgotten yet (e.g. they are the only admin of a bank)." })
export class ForgetRefused extends ErrorResult {}

@ObjectType({
  description: "A member's data in one bank was erased (and the person's login and name too when no other membership of theirs remains).",
})
export class MemberErased {
  @Field(() => ID, { description: "The membership, now an anonymous row." })
  memberId: string;

  @Field()
  erasedAt: Date;

  @Field({ description: "The person (login, name) was erased too: they had no other membership left." })
  personErased: boolean;

  @Field(() => Int, {
    description: "Minutes of the closed account's balance that went to the community pot (negative: the pot covered a debt).",
  })
  settledMinutes: number;
}

@ObjectType({
  implements: ErrorResult,
  description:
    "The erasure cannot happen yet: LAST_ADMIN, INTER_BANK_TRANSFER_PENDING, BALANCE_NOT_SETTLED or NO_COMMUNITY_POT. Nothing was changed.",
})
export class ErasureRefused extends ErrorResult {}

@ObjectType({ description: "One export or erasure of a member's data: the audit trail coordinators keep." })
export class PrivacyRequestEntry {
  @Field(() => ID)
  id: string;

  @Field(() => ID, { description: "The membership the request was about (anonymous after an erasure)." })
  memberId: string;

  @Field(() => PrivacyAction)
  action: PrivacyAction;

  @Field(() => PrivacyRequester)
  requestedBy: PrivacyRequester;

  @Field(() => String, { nullable: true, description: "Who carried it out (display name); null for the retention policy." })
  actorName: string | null;

  @Field({ description: "How and when the member asked, as recorded." })
  note: string;

  @Field()
  createdAt: Date;
}

@ObjectType({ description: "A bank's retention policy for the personal data of members who left." })
export class PrivacyPolicyView {
  @Field(() => Int, {
    nullable: true,
    description:
      "Members who left (or were declined) this many months ago are erased by `npm run privacy:retention`; null: never automatically.",
  })
  eraseLeftMembersAfterMonths: number | null;

  @Field(() => Date, { nullable: true })
  updatedAt: Date | null;
}

@InputType({ description: "Who asked for an export or erasure carried out by a coordinator or helper, and how." })
export class PrivacyRequestInput {
  @Field({
    nullable: true,
    description: "How and when the member asked (e.g. 'by letter of 3 December'); kept in the audit trail. At most 500 characters.",
  })
  note?: string;
}
