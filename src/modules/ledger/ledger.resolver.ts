import { earnedMinutes, earnedOnlyLoader } from "../federation/federation.supervision";
import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { Connection, toConnection } from "../../common/pagination";
import { resultUnion } from "../../common/results";
import { TransferKind, TransferStatus } from "../../generated/prisma/enums";
import { Member } from "../member/member.type";
import { Timebank } from "../timebank/timebank.type";
import {
  DonateToPotInput,
  GiveHoursInput,
  PayFromPotInput,
  RecordExchangeInput,
  RecordGroupExchangeInput,
  ReverseTransferInput,
  SetAccountLimitsInput,
} from "./ledger.input";
import * as ledger from "./ledger.service";
import { legRecordedBy } from "../federation/federation.transfers";
import {
  Account,
  AccountLimitChange,
  AccountNotActive,
  AccountParty,
  AlreadyReversed,
  CeilingExceeded,
  GroupExchange,
  InsufficientBalance,
  LimitsExcludeBalance,
  NotAllowed,
  SameAccount,
  Statement,
  Transfer,
  TransferNotPending,
} from "./ledger.type";

const TransferConnection = Connection(Transfer, "Transfer");
const MOVE_REFUSALS = [InsufficientBalance, CeilingExceeded, SameAccount, AccountNotActive, NotAllowed];
const TransferResult = resultUnion("TransferResult", Transfer, MOVE_REFUSALS, "A new transfer, or why it was refused.");
const GroupExchangeResult = resultUnion("GroupExchangeResult", GroupExchange, MOVE_REFUSALS);
const ReversalResult = resultUnion("ReversalResult", Transfer, [...MOVE_REFUSALS, AlreadyReversed]);
const DecisionResult = resultUnion("ExchangeDecisionResult", Transfer, [TransferNotPending, NotAllowed]);
const AccountLimitsResult = resultUnion("AccountLimitsResult", Account, [LimitsExcludeBalance]);

@Resolver(() => Account)
export class AccountResolver {
  @Query(() => Account, { description: "An account you may see: your own, any of a bank you coordinate, your bank's community pot." })
  account(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return ledger.getAccount(ctx, id);
  }

  @Query(() => [Account], { description: "Your own accounts, in one bank (slug) or all of yours." })
  myAccounts(@Arg("timebank", () => String, { nullable: true }) slug: string | null, @Ctx() ctx: RequestContext) {
    return ledger.myAccounts(ctx, slug);
  }

  @Query(() => Account, { description: "The community pot of a bank you belong to." })
  communityPot(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return ledger.communityPot(ctx, slug);
  }

  @Query(() => TransferConnection, { description: "Transfers of an account, newest first. from/to bound when they were recorded." })
  async transfers(
    @Arg("account", () => ID) accountId: string,
    @Arg("from", () => Date, { nullable: true }) from: Date | null,
    @Arg("to", () => Date, { nullable: true }) to: Date | null,
    @Arg("kind", () => TransferKind, { nullable: true }) kind: TransferKind | null,
    @Arg("status", () => TransferStatus, { nullable: true }) status: TransferStatus | null,
    @Arg("first", () => Int, { nullable: true }) first: number | null,
    @Arg("after", () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return toConnection(await ledger.listTransfers(ctx, accountId, { from, to, kind, status }, first, after));
  }

  @Query(() => Statement, {
    description: "Opening balance, posted transfers of [from, to) with a running balance, totals and closing balance.",
  })
  statement(
    @Arg("account", () => ID) accountId: string,
    @Arg("from", () => Date) from: Date,
    @Arg("to", () => Date) to: Date,
    @Ctx() ctx: RequestContext,
  ) {
    return ledger.statement(ctx, accountId, from, to);
  }

  @Query(() => [Statement], {
    description: "Coordinators: the statement of every member of the bank for a calendar month ('2026-10') in the bank's time zone.",
  })
  bankStatements(@Arg("timebank") slug: string, @Arg("month") month: string, @Ctx() ctx: RequestContext) {
    return ledger.bankStatements(ctx, slug, month);
  }

  @Mutation(() => TransferResult, {
    description:
      "Records an exchange: by a coordinator it posts at once; by a member who took part it waits for the other party (minutes reserved meanwhile).",
  })
  recordExchange(@Arg("input") input: RecordExchangeInput, @Ctx() ctx: RequestContext) {
    return ledger.recordExchange(ctx, input);
  }

  @Mutation(() => GroupExchangeResult, {
    description: "Coordinators: a workshop, a work party or work paid by the community pot, posted all or nothing.",
  })
  recordGroupExchange(@Arg("input") input: RecordGroupExchangeInput, @Ctx() ctx: RequestContext) {
    return ledger.recordGroupExchange(ctx, input);
  }

  @Mutation(() => DecisionResult, { description: "The other party confirms a pending exchange: the minutes move." })
  confirmExchange(@Arg("transferId", () => ID) transferId: string, @Ctx() ctx: RequestContext) {
    return ledger.confirmExchange(ctx, transferId);
  }

  @Mutation(() => DecisionResult, {
    description: "The other party rejects a pending exchange: nothing moves and the reservation is released.",
  })
  rejectExchange(
    @Arg("transferId", () => ID) transferId: string,
    @Arg("reason", () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return ledger.rejectExchange(ctx, transferId, reason);
  }

  @Mutation(() => TransferResult, { description: "Gives hours from your account to another member." })
  giveHours(@Arg("input") input: GiveHoursInput, @Ctx() ctx: RequestContext) {
    return ledger.giveHours(ctx, input);
  }

  @Mutation(() => TransferResult, { description: "Gives hours from your account to the community pot." })
  donateToPot(@Arg("input") input: DonateToPotInput, @Ctx() ctx: RequestContext) {
    return ledger.donateToPot(ctx, input);
  }

  @Mutation(() => TransferResult, { description: "Coordinators: the community pot pays a member." })
  payFromPot(@Arg("input") input: PayFromPotInput, @Ctx() ctx: RequestContext) {
    return ledger.payFromPot(ctx, input);
  }

  @Mutation(() => ReversalResult, { description: "Coordinators: corrects a posted transfer with its opposite, once, with a reason." })
  reverseTransfer(@Arg("input") input: ReverseTransferInput, @Ctx() ctx: RequestContext) {
    return ledger.reverseTransfer(ctx, input);
  }

  @Mutation(() => AccountLimitsResult, {
    description: "Coordinators: changes an account's floor and ceiling; the change is logged with who and why.",
  })
  setAccountLimits(@Arg("input") input: SetAccountLimitsInput, @Ctx() ctx: RequestContext) {
    return ledger.setAccountLimits(ctx, input);
  }

  @FieldResolver(() => Int, {
    description:
      "Minutes the account can still pay: balance minus reservations minus floor; for a member an institution lets give only earned hours, no more than they hold (see earnedHoursOnly).",
  })
  async availableMinutes(@Root() a: Account, @Ctx() ctx: RequestContext) {
    const available = a.balanceMinutes - a.pendingOutMinutes - a.floorMinutes;
    // Federation (issue 22): a supervised member gives only what they hold.
    if (a.kind === "MEMBER" && a.membershipId && (await earnedOnlyLoader(ctx.loaders, ctx.db).load(`${a.timebankId}:${a.membershipId}`)))
      return Math.min(available, earnedMinutes(a));
    return available;
  }

  @FieldResolver(() => Member, { nullable: true, description: "The member owning the account, if it is a member's." })
  member(@Root() a: Account, @Ctx() ctx: RequestContext) {
    return a.membershipId ? ctx.loaders.membershipById.load(a.membershipId) : null;
  }

  @FieldResolver(() => Timebank)
  timebank(@Root() a: Account, @Ctx() ctx: RequestContext) {
    return ctx.loaders.timebankById.load(a.timebankId);
  }

  @FieldResolver(() => [AccountLimitChange], { description: "Every change of this account's limits, oldest first." })
  limitChanges(@Root() a: Account, @Ctx() ctx: RequestContext) {
    return ledger.limitChanges(ctx, a);
  }
}

@Resolver(() => Transfer)
export class TransferResolver {
  @FieldResolver(() => AccountParty, { description: "The account that pays." })
  async debit(@Root() t: Transfer, @Ctx() ctx: RequestContext) {
    return ctx.loaders.partyByAccount.load(t.debitAccountId);
  }

  @FieldResolver(() => AccountParty, { description: "The account that is paid." })
  async credit(@Root() t: Transfer, @Ctx() ctx: RequestContext) {
    return ctx.loaders.partyByAccount.load(t.creditAccountId);
  }

  @FieldResolver(() => String, { description: "Who recorded it." })
  async recordedBy(@Root() t: Transfer, @Ctx() ctx: RequestContext) {
    if (t.kind === "INTER_BANK") return legRecordedBy(ctx, t); // federation: donor anonymity
    return (await ctx.loaders.personById.load(t.createdById))?.displayName ?? "";
  }

  @FieldResolver(() => ID, { nullable: true, description: "The reversal that corrected this transfer, if any." })
  async reversedById(@Root() t: Transfer, @Ctx() ctx: RequestContext) {
    return (await ctx.loaders.reversalOfTransfer.load(t.id))?.id ?? null;
  }
}

@Resolver(() => AccountLimitChange)
export class AccountLimitChangeResolver {
  @FieldResolver(() => String, { description: "The coordinator who changed the limits." })
  async changedBy(@Root() c: AccountLimitChange, @Ctx() ctx: RequestContext) {
    return (await ctx.loaders.personById.load(c.changedById))?.displayName ?? "";
  }
}

@Resolver(() => Member)
export class MemberAccountResolver {
  @FieldResolver(() => Account, { nullable: true, description: "The member's account: visible to the member and the bank's coordinators." })
  account(@Root() m: Member, @Ctx() ctx: RequestContext) {
    return ledger.accountOfMember(ctx, m);
  }
}
