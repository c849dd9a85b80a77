import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { AccountKind, AccountStatus, TransferKind, TransferStatus } from "../../generated/prisma/enums";
import { ErrorResult } from "../../common/errors";

registerEnumType(AccountKind, {
  name: "AccountKind",
  valuesConfig: {
    MEMBER: { description: "A member's own account." },
    INSTITUTION: { description: "An institution member's account." },
    POT: { description: "The bank's community pot." },
    CLEARING: { description: "The clearing account for one partner bank." },
  },
});
registerEnumType(AccountStatus, { name: "AccountStatus" });
registerEnumType(TransferKind, {
  name: "TransferKind",
  valuesConfig: {
    EXCHANGE: { description: "Help given and received: the giver earns what the receiver pays." },
    GIFT: { description: "Hours given to another member." },
    POT_DONATION: { description: "Hours given to the community pot." },
    POT_PAYMENT: { description: "The pot paid a helper (work for the neighbourhood or for someone who cannot pay)." },
    REVERSAL: { description: "A coordinator's correction: the opposite of an earlier transfer." },
    ADJUSTMENT: { description: "A coordinator's adjustment." },
    INTER_BANK: { description: "One leg of an inter-bank transfer, through the clearing account for the partner bank." },
  },
});
registerEnumType(TransferStatus, {
  name: "TransferStatus",
  valuesConfig: {
    PENDING: { description: "Recorded by a member, waiting for the other party; the minutes are reserved." },
    POSTED: { description: "Final." },
    VOIDED: { description: "Rejected by the other party; no time moved." },
  },
});

@ObjectType({
  description: "An account of a bank: a member's, the community pot, or (later) an institution's or a partner bank's clearing account.",
})
export class Account {
  @Field(() => ID)
  id: string;

  @Field(() => AccountKind)
  kind: AccountKind;

  @Field(() => AccountStatus)
  status: AccountStatus;

  @Field(() => Int, { description: "Posted credits minus posted debits, in minutes." })
  balanceMinutes: number;

  @Field(() => Int, { description: "Minutes reserved by pending exchanges this account would pay." })
  pendingOutMinutes: number;

  @Field(() => Int, { description: "Minutes pending exchanges would bring in." })
  pendingInMinutes: number;

  @Field(() => Int, { description: "Lowest allowed balance (the credit limit), in minutes." })
  floorMinutes: number;

  @Field(() => Int, { description: "Highest allowed balance, in minutes." })
  ceilingMinutes: number;

  @Field()
  openedAt: Date;

  timebankId: string;
  membershipId: string | null;
}

@ObjectType({ description: "One side of a transfer as every party to it may see it: who, not their balance." })
export class AccountParty {
  @Field(() => ID)
  accountId: string;

  @Field(() => AccountKind)
  kind: AccountKind;

  @Field(() => ID, { nullable: true, description: "The member owning the account, if it is a member's." })
  memberId: string | null;

  @Field({ description: "The member's name, or 'Community pot'." })
  displayName: string;
}

@ObjectType({ description: "An immutable double-entry movement of minutes between two accounts of one bank." })
export class Transfer {
  @Field(() => ID)
  id: string;

  @Field(() => TransferKind)
  kind: TransferKind;

  @Field(() => TransferStatus)
  status: TransferStatus;

  @Field(() => Int)
  minutes: number;

  @Field()
  memo: string;

  @Field(() => ID, { nullable: true, description: "The offer or request this exchange answers." })
  relatedPostId: string | null;

  @Field(() => ID, { nullable: true, description: "Shared by the transfers of one group exchange." })
  groupId: string | null;

  @Field(() => ID, { nullable: true, description: "The transfer this one reverses." })
  reversesTransferId: string | null;

  @Field(() => String, { nullable: true, description: "Why the other party rejected it." })
  voidReason: string | null;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  postedAt: Date | null;

  @Field(() => Date, { nullable: true })
  decidedAt: Date | null;

  @Field({
    description:
      "The key of the request that recorded it: a retry with the same key and request returns this transfer. An inter-bank leg carries inter-bank:<id of its inter-bank transfer>.",
  })
  idempotencyKey: string;

  @Field(() => Int, {
    description: "Its place in the commit order of the ledger: on any one account, a later transfer has a larger number (docs/ledger.md).",
  })
  seq: number;

  timebankId: string;
  debitAccountId: string;
  creditAccountId: string;
  createdById: string;
  decidedById: string | null;
  legIndex: number;
}

@ObjectType({ description: "The transfers of one group exchange, posted together or not at all." })
export class GroupExchange {
  @Field(() => ID)
  groupId: string;

  @Field(() => [Transfer])
  transfers: Transfer[];
}

@ObjectType({ description: "A change of an account's limits: who, why, from what to what." })
export class AccountLimitChange {
  @Field(() => ID)
  id: string;

  @Field()
  reason: string;

  @Field(() => Int)
  oldFloorMinutes: number;

  @Field(() => Int)
  newFloorMinutes: number;

  @Field(() => Int)
  oldCeilingMinutes: number;

  @Field(() => Int)
  newCeilingMinutes: number;

  @Field()
  changedAt: Date;

  changedById: string;
  timebankId: string;
}

@ObjectType({ description: "One posted transfer on a statement, with the balance after it." })
export class StatementLine {
  @Field(() => Transfer)
  transfer: Transfer;

  @Field(() => Int, { description: "Minutes that came in (help given, gifts and payments received)." })
  inMinutes: number;

  @Field(() => Int, { description: "Minutes that went out (help received, gifts and donations made)." })
  outMinutes: number;

  @Field(() => Int)
  balanceAfterMinutes: number;
}

@ObjectType({ description: "What an account owes and is owed over a period: posted transfers only, by posting time." })
export class Statement {
  @Field(() => Account)
  account: Account;

  @Field({ description: "Start of the period (inclusive)." })
  from: Date;

  @Field({ description: "End of the period (exclusive)." })
  to: Date;

  @Field(() => Int)
  openingBalanceMinutes: number;

  @Field(() => [StatementLine])
  lines: StatementLine[];

  @Field(() => Int, { description: "Minutes in over the period: hours given and received as gifts or from the pot." })
  totalInMinutes: number;

  @Field(() => Int, { description: "Minutes out over the period: hours received and given away." })
  totalOutMinutes: number;

  @Field(() => Int)
  closingBalanceMinutes: number;
}

// ---- expected refusals (typed results) -------------------------------------------------------

@ObjectType({
  implements: ErrorResult,
  description: "The paying account would go below its floor (credit limit), counting pending reservations.",
})
export class InsufficientBalance extends ErrorResult {
  @Field(() => ID)
  accountId: string;

  @Field(() => Int, { description: "Minutes the account can still pay." })
  availableMinutes: number;

  @Field(() => Int)
  requestedMinutes: number;
}

@ObjectType({ implements: ErrorResult, description: "The receiving account would go above its ceiling, counting pending reservations." })
export class CeilingExceeded extends ErrorResult {
  @Field(() => ID)
  accountId: string;

  @Field(() => Int, { description: "Minutes the account can still receive." })
  roomMinutes: number;

  @Field(() => Int)
  requestedMinutes: number;
}

@ObjectType({ implements: ErrorResult, description: "Both sides of the transfer are the same account." })
export class SameAccount extends ErrorResult {}

@ObjectType({ implements: ErrorResult, description: "An account is closed, or its member is paused or has left." })
export class AccountNotActive extends ErrorResult {
  @Field(() => ID)
  accountId: string;

  @Field({ description: "CLOSED, or the membership status (PAUSED, LEFT) that keeps it out of new transfers." })
  accountStatus: string;
}

@ObjectType({ implements: ErrorResult, description: "The bank's rules do not allow this (e.g. members may not record exchanges here)." })
export class NotAllowed extends ErrorResult {}

@ObjectType({ implements: ErrorResult, description: "The exchange was already confirmed or rejected." })
export class TransferNotPending extends ErrorResult {
  @Field(() => TransferStatus)
  currentStatus: TransferStatus;
}

@ObjectType({ implements: ErrorResult, description: "The transfer was already reversed (a transfer can be reversed once)." })
export class AlreadyReversed extends ErrorResult {
  @Field(() => ID)
  reversalId: string;
}

@ObjectType({ implements: ErrorResult, description: "The new limits would leave the account's balance (with reservations) outside them." })
export class LimitsExcludeBalance extends ErrorResult {
  @Field(() => Int)
  balanceMinutes: number;

  @Field(() => Int)
  pendingOutMinutes: number;

  @Field(() => Int)
  pendingInMinutes: number;
}
