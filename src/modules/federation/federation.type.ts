// GraphQL types of the federation: institutions, partnerships between banks, inter-bank
// transfers as each side may see them, and the refusals an inter-bank transfer can get.
import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { ErrorResult } from "../../common/errors";
import {
  InstitutionKind,
  InstitutionMembershipStatus,
  InterBankRecipientKind,
  InterBankTransferStatus,
  PartnershipStatus,
  TransferPurpose,
  TransferStatus,
} from "../../generated/prisma/enums";
import { Account } from "../ledger/ledger.type";
import { Timebank } from "../timebank/timebank.type";

registerEnumType(InstitutionKind, { name: "InstitutionKind" });
registerEnumType(PartnershipStatus, {
  name: "PartnershipStatus",
  valuesConfig: {
    PROPOSED: { description: "Proposed by one bank's admin, waiting for the other bank's admin." },
    ACTIVE: { description: "Transfers flow within the purposes and caps." },
    SUSPENDED: { description: "No new transfers; pending ones can still be declined, refused or expire." },
    ENDED: { description: "Final; pending transfers were voided when it ended." },
  },
});
registerEnumType(InstitutionMembershipStatus, {
  name: "InstitutionMembershipStatus",
  valuesConfig: {
    PROPOSED: {
      description: "A bank's admin proposed it; a delegate of the institution has not accepted yet: nothing may be recorded against it.",
    },
    ACTIVE: { description: "Accepted by the institution: its account is open." },
    REVOKED: { description: "Declined or withdrawn by the institution, or ended by the bank: its account is closed, its history stays." },
  },
});
registerEnumType(TransferPurpose, { name: "TransferPurpose" });
registerEnumType(InterBankRecipientKind, { name: "InterBankRecipientKind" });
registerEnumType(InterBankTransferStatus, {
  name: "InterBankTransferStatus",
  valuesConfig: {
    PENDING_APPROVAL: { description: "Waiting for a delegate of the institution supervising the sender; the minutes are reserved." },
    PENDING_ACCEPTANCE: { description: "Waiting for a coordinator of the receiving bank; the minutes are reserved." },
    POSTED: { description: "Both legs posted." },
    VOIDED: { description: "Refused or declined: both legs voided, nothing moved." },
    EXPIRED: { description: "Nobody decided in time: both legs voided, nothing moved." },
  },
});

export enum TransferDirection {
  OUTGOING = "OUTGOING",
  INCOMING = "INCOMING",
}
registerEnumType(TransferDirection, { name: "TransferDirection" });

@ObjectType({
  description:
    "A clinic, prison, housing association, insurer, charity, school or municipality: one identity across the banks it belongs to.",
})
export class Institution {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field(() => InstitutionKind)
  kind: InstitutionKind;

  @Field()
  createdAt: Date;

  createdById: string;
}

@ObjectType({ description: "An institution's membership of one bank: its account there and its caps." })
export class InstitutionMembership {
  @Field(() => ID)
  id: string;

  @Field(() => Institution)
  institution: Institution;

  @Field(() => Timebank)
  timebank: Timebank;

  @Field(() => InstitutionMembershipStatus, {
    description: "Proposed by the bank, accepted (ACTIVE) by the institution, or revoked by either.",
  })
  status: InstitutionMembershipStatus;

  @Field(() => Date, { nullable: true, description: "When a delegate of the institution accepted." })
  acceptedAt: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt: Date | null;

  @Field({ description: "Members it supervises may give more than they hold (down to their floor); false: earned hours only." })
  supervisedMayUseCredit: boolean;

  @Field()
  createdAt: Date;

  @Field(() => Int, { nullable: true, description: "Minutes it may spend per calendar month (null: no cap)." })
  monthlySpendCapMinutes: number | null;

  @Field(() => Int, { nullable: true, description: "Minutes it may accept per calendar month (null: no cap)." })
  monthlyAcceptCapMinutes: number | null;

  @Field({ description: "Transfers to other banks by the members it supervises wait for a delegate's approval." })
  requiresApprovalOfMembersOutgoing: boolean;

  @Field({ description: "It accepts hours as payment for its own service (purpose INSTITUTIONAL_SERVICE)." })
  acceptsHoursAsPayment: boolean;

  @Field(() => Int, { nullable: true, description: "Most minutes one member may pay it per calendar month (null: no cap)." })
  paymentCapPerMemberMinutes: number | null;

  @Field(() => Account, { nullable: true, description: "Its account: visible to its delegates and the bank's coordinators." })
  account: Account | null;

  timebankId: string;
  institutionId: string;
  accountId: string;
}

@ObjectType({ description: "A person acting for an institution." })
export class InstitutionDelegate {
  @Field(() => ID)
  personId: string;

  @Field()
  displayName: string;

  @Field({ description: "Their role, e.g. 'Wing officer'." })
  role: string;
}

@ObjectType({ description: "An agreement between two banks to exchange hours within purposes and caps." })
export class Partnership {
  @Field(() => ID)
  id: string;

  @Field(() => PartnershipStatus)
  status: PartnershipStatus;

  @Field(() => Timebank)
  proposerBank: Timebank;

  @Field(() => Timebank)
  partnerBank: Timebank;

  @Field(() => [TransferPurpose])
  purposes: TransferPurpose[];

  @Field(() => Int, { description: "Most net minutes the proposer's side may have sent to the partner." })
  proposerToPartnerCapMinutes: number;

  @Field(() => Int, { description: "Most net minutes the partner's side may have sent to the proposer." })
  partnerToProposerCapMinutes: number;

  @Field({ description: "Incoming transfers wait for a coordinator of the receiving bank (otherwise they post at once)." })
  incomingNeedsAcceptance: boolean;

  @Field(() => Int, { description: "Hours after which a pending transfer expires and its minutes return." })
  pendingExpiryHours: number;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  activatedAt: Date | null;

  @Field(() => Date, { nullable: true })
  suspendedAt: Date | null;

  @Field(() => Date, { nullable: true })
  endedAt: Date | null;

  proposerBankId: string;
  partnerBankId: string;
}

@ObjectType({ description: "A bank's net position with one partner: its clearing account, read by that bank's coordinators." })
export class PartnershipPosition {
  @Field(() => Partnership)
  partnership: Partnership;

  @Field(() => Timebank)
  timebank: Timebank;

  @Field(() => Timebank)
  partnerBank: Timebank;

  @Field(() => Account, { description: "The clearing account for this partner: its balance is the net minutes sent to the partner." })
  clearingAccount: Account;

  @Field(() => Int, { description: "Net minutes this bank's side has sent to the partner (negative: received)." })
  netSentMinutes: number;

  @Field(() => Int, { description: "Minutes reserved by pending transfers to the partner." })
  pendingOutgoingMinutes: number;

  @Field(() => Int, { description: "Minutes reserved by pending transfers from the partner." })
  pendingIncomingMinutes: number;

  @Field(() => Int, { description: "Cap on net minutes sent to the partner." })
  outgoingCapMinutes: number;

  @Field(() => Int, { description: "Cap on net minutes received from the partner." })
  incomingCapMinutes: number;
}

@ObjectType({ description: "One posted inter-bank transfer on a settlement statement." })
export class SettlementLine {
  @Field(() => ID)
  interBankTransferId: string;

  @Field(() => TransferDirection)
  direction: TransferDirection;

  @Field(() => Int)
  minutes: number;

  @Field()
  postedAt: Date;

  @Field(() => Int, { description: "Net minutes sent to the partner after this transfer." })
  netSentAfterMinutes: number;
}

@ObjectType({ description: "What passed between a bank and one partner over a period: posted transfers only." })
export class SettlementStatement {
  @Field(() => Partnership)
  partnership: Partnership;

  @Field(() => Timebank)
  timebank: Timebank;

  @Field()
  from: Date;

  @Field()
  to: Date;

  @Field(() => Int, { description: "Net minutes sent to the partner at the start of the period." })
  openingNetSentMinutes: number;

  @Field(() => Int)
  sentMinutes: number;

  @Field(() => Int)
  receivedMinutes: number;

  @Field(() => Int)
  closingNetSentMinutes: number;

  @Field(() => [SettlementLine])
  lines: SettlementLine[];
}

@ObjectType({
  description:
    "Hours sent from a member or institution of one bank to a member, institution or the pot of a partner bank: two legs, one per bank, posted together or not at all.",
})
export class InterBankTransfer {
  @Field(() => ID)
  id: string;

  @Field(() => InterBankTransferStatus)
  status: InterBankTransferStatus;

  @Field(() => TransferPurpose)
  purpose: TransferPurpose;

  @Field()
  message: string;

  @Field(() => Int)
  minutes: number;

  @Field({ description: "The donor asked not to be named to the receiving side." })
  anonymous: boolean;

  @Field({ description: "An anonymous donor let the recipient see which bank the gift came from." })
  showSourceBank: boolean;

  @Field(() => Timebank, {
    nullable: true,
    description: "The sending bank; null to the recipient of an anonymous gift whose donor did not choose to show it.",
  })
  sourceBank: Timebank | null;

  @Field(() => Timebank)
  targetBank: Timebank;

  @Field(() => String, {
    nullable: true,
    description: "Who sent it; null to the receiving side when the donor is anonymous, or before the donor's institution approved.",
  })
  donorName: string | null;

  @Field(() => InterBankRecipientKind)
  recipientKind: InterBankRecipientKind;

  @Field({ description: "The member, institution or 'Community pot' receiving it." })
  recipientName: string;

  @Field(() => ID, {
    nullable: true,
    description: "The leg in the viewer's bank (the source leg for the sending side, the target leg for the receiving side).",
  })
  legTransferId: string | null;

  @Field(() => String, { nullable: true, description: "Why it was refused or declined." })
  voidReason: string | null;

  @Field()
  createdAt: Date;

  @Field({ description: "When a pending transfer expires and its minutes return." })
  expiresAt: Date;

  @Field(() => Date, { nullable: true })
  approvedAt: Date | null;

  @Field(() => Date, { nullable: true })
  decidedAt: Date | null;

  @Field(() => Date, { nullable: true })
  postedAt: Date | null;

  @Field(() => String, {
    nullable: true,
    description: "The key the sender's request carried (a retry with it returns this transfer): to the sending side only.",
  })
  idempotencyKey: string | null;

  sourceBankId: string | null;
  targetBankId: string;
  sourceTransferId: string;
  targetTransferId: string;
}

@ObjectType({ description: "One leg of an inter-bank transfer: an ordinary transfer in one of the two banks, without its accounts." })
export class InterBankLeg {
  @Field(() => ID, { description: "The leg's transfer in its bank (Transfer.id there)." })
  transferId: string;

  @Field(() => Timebank)
  bank: Timebank;

  @Field({
    description:
      "True for the sending bank's leg (sender to clearing account), false for the receiving bank's (clearing account to recipient).",
  })
  source: boolean;

  @Field(() => TransferStatus)
  status: TransferStatus;

  @Field(() => Int)
  minutes: number;

  @Field(() => String, { description: "The leg's own key in its bank (inter-bank:<id of the inter-bank transfer>)." })
  idempotencyKey: string;

  @Field(() => Int, { description: "Its place in its bank's commit order (docs/ledger.md)." })
  sequence: number;

  @Field(() => Date, { nullable: true })
  postedAt: Date | null;
}

// ---- expected refusals -----------------------------------------------------------------------

@ObjectType({ implements: ErrorResult, description: "The two banks have no active partnership (none, proposed, suspended or ended)." })
export class NoActivePartnership extends ErrorResult {
  @Field(() => PartnershipStatus, { nullable: true, description: "The status of the partnership between the banks, if there is one." })
  partnershipStatus: PartnershipStatus | null;
}

@ObjectType({ implements: ErrorResult, description: "The partnership (or the receiving institution) does not allow this purpose." })
export class PurposeNotAllowed extends ErrorResult {
  @Field(() => [TransferPurpose])
  allowedPurposes: TransferPurpose[];
}

@ObjectType({
  implements: ErrorResult,
  description: "The net minutes sent between the two banks in this direction would pass the partnership's cap.",
})
export class ExposureCapReached extends ErrorResult {
  @Field(() => ID)
  partnershipId: string;

  @Field(() => Int, { description: "Minutes that can still be sent in this direction now." })
  remainingMinutes: number;

  @Field(() => Int)
  requestedMinutes: number;
}

@ObjectType({
  implements: ErrorResult,
  description: "The recipient's account would go above its ceiling (its balance is not shown to another bank).",
})
export class RecipientCeilingExceeded extends ErrorResult {
  @Field(() => Int)
  requestedMinutes: number;
}

@ObjectType({ implements: ErrorResult, description: "The recipient's account takes part in no new transfer." })
export class RecipientNotActive extends ErrorResult {}

export enum InstitutionCap {
  MONTHLY_SPEND = "MONTHLY_SPEND",
  MONTHLY_ACCEPT = "MONTHLY_ACCEPT",
  PAYMENT_PER_MEMBER = "PAYMENT_PER_MEMBER",
  SUPERVISED_MEMBER_SEND = "SUPERVISED_MEMBER_SEND",
}
registerEnumType(InstitutionCap, {
  name: "InstitutionCap",
  valuesConfig: {
    MONTHLY_SPEND: { description: "What the institution may spend per calendar month." },
    MONTHLY_ACCEPT: { description: "What the institution may accept per calendar month." },
    PAYMENT_PER_MEMBER: { description: "What one member may pay the institution per calendar month." },
    SUPERVISED_MEMBER_SEND: {
      description: "What a member it supervises may send to other banks per calendar month (set by the institution for that person).",
    },
  },
});

@ObjectType({ implements: ErrorResult, description: "An institution's cap for the calendar month would be passed." })
export class InstitutionCapReached extends ErrorResult {
  @Field(() => ID)
  institutionId: string;

  @Field(() => InstitutionCap)
  cap: InstitutionCap;

  @Field(() => Int)
  requestedMinutes: number;

  @Field(() => Int, { nullable: true, description: "Minutes still possible this month; shown only when the numbers are the viewer's own." })
  remainingThisMonthMinutes: number | null;
}

@ObjectType({ implements: ErrorResult, description: "The supervising institution refused to approve this transfer: nothing moved." })
export class ApprovalRefused extends ErrorResult {
  @Field(() => String, { nullable: true })
  reason: string | null;
}

@ObjectType({ implements: ErrorResult, description: "The inter-bank transfer was already decided (posted, voided or expired)." })
export class InterBankTransferNotPending extends ErrorResult {
  @Field(() => InterBankTransferStatus)
  currentStatus: InterBankTransferStatus;
}

@ObjectType({ implements: ErrorResult, description: "The partnership is not in a state that allows this change." })
export class PartnershipStateConflict extends ErrorResult {
  @Field(() => PartnershipStatus)
  currentStatus: PartnershipStatus;
}

@ObjectType({ implements: ErrorResult, description: "The two banks already have a partnership that has not ended." })
export class PartnershipExists extends ErrorResult {
  @Field(() => ID)
  partnershipId: string;
}

@ObjectType({ implements: ErrorResult, description: "The institution is already a member of this bank." })
export class InstitutionAlreadyMember extends ErrorResult {
  @Field(() => ID)
  institutionMembershipId: string;
}

@ObjectType({
  implements: ErrorResult,
  description:
    "The institution's membership of this bank is not active (proposed and not yet accepted by the institution, or revoked): nothing may be recorded against it, and it cannot move that way now.",
})
export class InstitutionMembershipNotActive extends ErrorResult {
  @Field(() => ID)
  institutionMembershipId: string;

  @Field(() => InstitutionMembershipStatus)
  currentStatus: InstitutionMembershipStatus;
}

@ObjectType({
  description:
    "A member supervised by an institution in one bank: their name and the institution's rules for them, nothing of their account.",
})
export class Supervision {
  @Field(() => ID)
  memberId: string;

  @Field()
  displayName: string;

  @Field(() => Timebank)
  timebank: Timebank;

  @Field(() => ID)
  institutionId: string;

  @Field({ description: "When the supervision began (or began again)." })
  since: Date;

  @Field(() => Date, { nullable: true })
  endedAt: Date | null;

  @Field(() => Int, {
    nullable: true,
    description: "Most minutes the member may send to other banks per calendar month (null: no limit of their own).",
  })
  monthlySendLimitMinutes: number | null;

  timebankId: string;
}
