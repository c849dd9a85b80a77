import { Field, ID, InputType, Int, registerEnumType } from "type-graphql";
import { InstitutionKind, TransferPurpose } from "../../generated/prisma/enums";

@InputType({ description: "A new institution: platform admins and bank admins create them." })
export class CreateInstitutionInput {
  @Field()
  name: string;

  @Field(() => InstitutionKind)
  kind: InstitutionKind;
}

@InputType({
  description:
    "Proposes that an institution join a bank, with its caps: a delegate of the institution accepts (at once when you act for it yourself).",
})
export class AddInstitutionToBankInput {
  @Field({ description: "Bank slug." })
  timebank: string;

  @Field(() => ID)
  institutionId: string;

  @Field(() => Int, { nullable: true })
  monthlySpendCapMinutes?: number | null;

  @Field(() => Int, { nullable: true })
  monthlyAcceptCapMinutes?: number | null;

  @Field(() => Boolean, { nullable: true })
  requiresApprovalOfMembersOutgoing?: boolean | null;

  @Field(() => Boolean, { nullable: true })
  acceptsHoursAsPayment?: boolean | null;

  @Field(() => Int, { nullable: true })
  paymentCapPerMemberMinutes?: number | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Members it supervises may give more than they hold, down to their floor (default false: earned hours only).",
  })
  supervisedMayUseCredit?: boolean | null;
}

@InputType({ description: "Proposes a partnership from one bank (yours) to another." })
export class ProposePartnershipInput {
  @Field({ description: "Your bank's slug." })
  timebank: string;

  @Field({ description: "The other bank's slug." })
  partnerBank: string;

  @Field(() => [TransferPurpose])
  purposes: TransferPurpose[];

  @Field(() => Int, { description: "Most net minutes your bank's side may send to the partner." })
  outgoingCapMinutes: number;

  @Field(() => Int, { description: "Most net minutes the partner's side may send to your bank." })
  incomingCapMinutes: number;

  @Field(() => Boolean, { nullable: true, description: "Incoming transfers wait for a coordinator (default true)." })
  incomingNeedsAcceptance?: boolean | null;

  @Field(() => Int, { nullable: true, description: "Hours after which pending transfers expire (default 168)." })
  pendingExpiryHours?: number | null;
}

@InputType({
  description:
    "Hours to a member, an institution or the community pot of a partner bank. Give exactly one of toMember, toInstitution, toPot.",
})
export class SendHoursToOtherBankInput {
  @Field(() => ID, { description: "The paying account: your own, or an institution's you are a delegate of." })
  from: string;

  @Field({ description: "The receiving bank's slug." })
  toBank: string;

  @Field(() => ID, { nullable: true, description: "A member id in the receiving bank." })
  toMember?: string | null;

  @Field(() => ID, { nullable: true, description: "An institution that is a member of the receiving bank." })
  toInstitution?: string | null;

  @Field(() => Boolean, { nullable: true, description: "The receiving bank's community pot." })
  toPot?: boolean | null;

  @Field(() => Int)
  minutes: number;

  @Field(() => TransferPurpose)
  purpose: TransferPurpose;

  @Field(() => String, { nullable: true })
  message?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Hide the donor's name from the receiving side (and the donor's bank from the recipient, unless showSourceBank).",
  })
  anonymous?: boolean | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "An anonymous donor lets the recipient see which bank the gift came from (default false).",
  })
  showSourceBank?: boolean | null;

  @Field({ description: "Chosen by the client (a uuid): a retry with the same key returns the first result." })
  idempotencyKey: string;
}

export enum InstitutionExchangeDirection {
  INSTITUTION_GAVE = "INSTITUTION_GAVE",
  INSTITUTION_RECEIVED = "INSTITUTION_RECEIVED",
}
registerEnumType(InstitutionExchangeDirection, {
  name: "InstitutionExchangeDirection",
  description: "Who helped whom in an exchange between an institution and a member of the same bank.",
  valuesConfig: {
    INSTITUTION_GAVE: {
      description: "The institution helped the member (a visitor centre ran a school visit): the institution earns the minutes.",
    },
    INSTITUTION_RECEIVED: {
      description: "The member helped the institution (repaired the clinic's bikes): the institution pays the minutes.",
    },
  },
});

@InputType({ description: "An exchange that happened between an institution and a member of the same bank." })
export class RecordInstitutionExchangeInput {
  @Field({ description: "Bank slug." })
  timebank: string;

  @Field(() => ID)
  institutionId: string;

  @Field(() => ID)
  memberId: string;

  @Field(() => InstitutionExchangeDirection)
  direction: InstitutionExchangeDirection;

  @Field(() => Int)
  minutes: number;

  @Field(() => String, { nullable: true })
  memo?: string | null;

  @Field(() => ID, { nullable: true, description: "The offer or request this exchange answers." })
  relatedPostId?: string | null;

  @Field({ description: "Chosen by the client (a uuid): a retry with the same key returns the first result." })
  idempotencyKey: string;
}
