import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../context/context";
import { resultUnion } from "../../common/results";
import { InterBankTransferStatus } from "../../generated/prisma/enums";
import { Account, AccountNotActive, CeilingExceeded, InsufficientBalance, NotAllowed, SameAccount, Transfer } from "../ledger/ledger.type";
import { Member } from "../member/member.type";
import { Timebank } from "../timebank/timebank.type";
import {
  AddInstitutionToBankInput,
  CreateInstitutionInput,
  ProposePartnershipInput,
  RecordInstitutionExchangeInput,
  SendHoursToOtherBankInput,
} from "./federation.input";
import * as exchanges from "./federation.exchanges";
import { earnedOnlyLoader } from "./federation.supervision";
import * as partners from "./federation.partners";
import * as transfers from "./federation.transfers";
import {
  ApprovalRefused,
  ExposureCapReached,
  Institution,
  InstitutionAlreadyMember,
  InstitutionCapReached,
  InstitutionDelegate,
  InstitutionMembership,
  InterBankLeg,
  InstitutionMembershipNotActive,
  InterBankTransfer,
  InterBankTransferNotPending,
  NoActivePartnership,
  Partnership,
  PartnershipExists,
  PartnershipPosition,
  PartnershipStateConflict,
  PurposeNotAllowed,
  RecipientCeilingExceeded,
  RecipientNotActive,
  SettlementStatement,
  Supervision,
  TransferDirection,
} from "./federation.type";

const SendResult = resultUnion(
  "SendHoursToOtherBankResult",
  InterBankTransfer,
  [
    NoActivePartnership,
    PurposeNotAllowed,
    ExposureCapReached,
    InsufficientBalance,
    RecipientCeilingExceeded,
    RecipientNotActive,
    AccountNotActive,
    InstitutionCapReached,
  ],
  "An inter-bank transfer (posted or pending), or why it was refused.",
);
const InstitutionExchangeResult = resultUnion(
  "InstitutionExchangeResult",
  Transfer,
  [InsufficientBalance, CeilingExceeded, SameAccount, AccountNotActive, NotAllowed, InstitutionCapReached, InstitutionMembershipNotActive],
  "The exchange's transfer (posted, or pending the member's confirmation), or why it was refused.",
);
const DecisionResult = resultUnion("InterBankDecisionResult", InterBankTransfer, [
  InterBankTransferNotPending,
  ApprovalRefused,
  NoActivePartnership,
]);
const PartnershipResult = resultUnion("PartnershipResult", Partnership, [PartnershipExists, PartnershipStateConflict]);
const AddInstitutionResult = resultUnion("AddInstitutionToBankResult", InstitutionMembership, [InstitutionAlreadyMember]);
const InstitutionMembershipResult = resultUnion("InstitutionMembershipResult", InstitutionMembership, [InstitutionMembershipNotActive]);

@Resolver(() => Institution)
export class InstitutionResolver {
  @Query(() => [Institution], { description: "The directory of institutions (names and kinds, no people)." })
  institutions(@Ctx() ctx: RequestContext) {
    return partners.listInstitutions(ctx);
  }

  @Query(() => [Institution], { description: "The institutions you act for as a delegate." })
  myInstitutions(@Ctx() ctx: RequestContext) {
    return partners.myInstitutions(ctx);
  }

  @Mutation(() => Institution, { description: "Platform admins and bank admins: a new institution." })
  createInstitution(@Arg("input") input: CreateInstitutionInput, @Ctx() ctx: RequestContext) {
    return partners.createInstitution(ctx, input);
  }

  @Mutation(() => AddInstitutionResult, {
    description:
      "Bank admins: proposes that the institution join the bank, with its caps. It stays PROPOSED (nothing may be recorded against it) until a delegate of the institution accepts; ACTIVE at once when you act for the institution yourself.",
  })
  addInstitutionToBank(@Arg("input") input: AddInstitutionToBankInput, @Ctx() ctx: RequestContext) {
    return partners.addInstitutionToBank(ctx, input);
  }

  @Mutation(() => InstitutionMembershipResult, {
    description: "Delegates of the institution: accept a bank's proposal; the institution's account there opens.",
  })
  acceptInstitutionMembership(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return partners.acceptInstitutionMembership(ctx, id);
  }

  @Mutation(() => InstitutionMembershipResult, {
    description:
      "Delegates of the institution decline a proposal or withdraw; the bank's admins end the membership. The account closes (its history stays); its supervisions end.",
  })
  revokeInstitutionMembership(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return partners.revokeInstitutionMembership(ctx, id);
  }

  @Mutation(() => Institution, { description: "Appoints a person (by email) as a delegate of the institution, with a role." })
  addInstitutionDelegate(
    @Arg("institutionId", () => ID) institutionId: string,
    @Arg("email") email: string,
    @Arg("role") role: string,
    @Ctx() ctx: RequestContext,
  ) {
    return partners.addInstitutionDelegate(ctx, institutionId, email, role);
  }

  @Mutation(() => Member, {
    description: "Coordinators: the member is supervised by this institution of the bank (its approval rule applies to them).",
  })
  superviseMember(
    @Arg("timebank") slug: string,
    @Arg("memberId", () => ID) memberId: string,
    @Arg("institutionId", () => ID) institutionId: string,
    @Ctx() ctx: RequestContext,
  ) {
    return partners.superviseMember(ctx, slug, memberId, institutionId);
  }

  @Mutation(() => Supervision, {
    description: "Coordinators, or delegates of the supervising institution: the member is no longer supervised.",
  })
  endSupervision(@Arg("timebank") slug: string, @Arg("memberId", () => ID) memberId: string, @Ctx() ctx: RequestContext) {
    return partners.endSupervision(ctx, slug, memberId);
  }

  @Mutation(() => Supervision, {
    description:
      "Coordinators, or delegates of the supervising institution: the most minutes this member may send to other banks per calendar month (null: none of their own).",
  })
  setSupervisionLimit(
    @Arg("timebank") slug: string,
    @Arg("memberId", () => ID) memberId: string,
    @Arg("monthlySendLimitMinutes", () => Int, { nullable: true }) limit: number | null,
    @Ctx() ctx: RequestContext,
  ) {
    return partners.setSupervisionLimit(ctx, slug, memberId, limit);
  }

  @Query(() => [Supervision], {
    description: "Delegates: the members your institution supervises, in every bank where its membership is active.",
  })
  supervisedMembers(
    @Arg("institutionId", () => ID) institutionId: string,
    @Arg("includeEnded", () => Boolean, { nullable: true }) includeEnded: boolean | null,
    @Ctx() ctx: RequestContext,
  ) {
    return partners.supervisedMembers(ctx, institutionId, includeEnded ?? false);
  }

  @FieldResolver(() => [InstitutionMembership], { description: "The banks it belongs to that you may see." })
  memberships(@Root() i: Institution, @Ctx() ctx: RequestContext) {
    return partners.membershipsOf(ctx, i.id);
  }

  @FieldResolver(() => [InstitutionDelegate], {
    description: "Its delegates: visible to its delegates and platform admins (empty for others).",
  })
  delegates(@Root() i: Institution, @Ctx() ctx: RequestContext) {
    return partners.delegatesOf(ctx, i.id);
  }
}

@Resolver(() => InstitutionMembership)
export class InstitutionMembershipResolver {
  @FieldResolver(() => Institution)
  institution(@Root() m: InstitutionMembership, @Ctx() ctx: RequestContext) {
    return partners.findInstitution(ctx, m.institutionId);
  }

  @FieldResolver(() => Timebank)
  timebank(@Root() m: InstitutionMembership, @Ctx() ctx: RequestContext) {
    return ctx.loaders.timebankById.load(m.timebankId);
  }

  @FieldResolver(() => Account, { nullable: true })
  account(@Root() m: InstitutionMembership, @Ctx() ctx: RequestContext) {
    return partners.institutionAccount(ctx, m);
  }
}

@Resolver(() => Partnership)
export class PartnershipResolver {
  @Query(() => [Partnership], { description: "The partnerships of a bank you belong to." })
  partnerships(@Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return partners.partnershipsOf(ctx, slug);
  }

  @Query(() => PartnershipPosition, { description: "Coordinators: your bank's net position with the partner (its clearing account)." })
  partnershipPosition(@Arg("partnershipId", () => ID) id: string, @Arg("timebank") slug: string, @Ctx() ctx: RequestContext) {
    return partners.partnershipPosition(ctx, id, slug);
  }

  @Query(() => SettlementStatement, {
    description: "Coordinators: what passed between your bank and the partner in [from, to), posted only.",
  })
  settlementStatement(
    @Arg("partnershipId", () => ID) id: string,
    @Arg("timebank") slug: string,
    @Arg("from") from: Date,
    @Arg("to") to: Date,
    @Ctx() ctx: RequestContext,
  ) {
    return partners.settlementStatement(ctx, id, slug, from, to);
  }

  @Mutation(() => PartnershipResult, { description: "Bank admins: proposes a partnership to another bank." })
  proposePartnership(@Arg("input") input: ProposePartnershipInput, @Ctx() ctx: RequestContext) {
    return partners.proposePartnership(ctx, input);
  }

  @Mutation(() => PartnershipResult, {
    description: "The invited bank's admin accepts: the partnership is active and both clearing accounts open.",
  })
  acceptPartnership(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return partners.acceptPartnership(ctx, id);
  }

  @Mutation(() => PartnershipResult, { description: "Either bank's admin: no new transfers; pending ones can still be voided." })
  suspendPartnership(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return partners.suspendPartnership(ctx, id);
  }

  @Mutation(() => PartnershipResult, { description: "Either bank's admin resumes a suspended partnership." })
  resumePartnership(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return partners.resumePartnership(ctx, id);
  }

  @Mutation(() => PartnershipResult, {
    description: "Either bank's admin ends the partnership: pending transfers are voided and their minutes return.",
  })
  endPartnership(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return transfers.endPartnership(ctx, id);
  }

  @FieldResolver(() => Timebank)
  proposerBank(@Root() p: Partnership, @Ctx() ctx: RequestContext) {
    return ctx.loaders.timebankById.load(p.proposerBankId);
  }

  @FieldResolver(() => Timebank)
  partnerBank(@Root() p: Partnership, @Ctx() ctx: RequestContext) {
    return ctx.loaders.timebankById.load(p.partnerBankId);
  }
}

@Resolver(() => InterBankTransfer)
export class InterBankTransferResolver {
  @Query(() => InterBankTransfer, { description: "An inter-bank transfer you sent, received, approve, or whose bank you coordinate." })
  interBankTransfer(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return transfers.getInterBankTransfer(ctx, id);
  }

  @Query(() => [InterBankTransfer], { description: "Coordinators: your bank's outgoing or incoming inter-bank transfers, newest first." })
  interBankTransfers(
    @Arg("timebank") slug: string,
    @Arg("direction", () => TransferDirection) direction: TransferDirection,
    @Arg("status", () => InterBankTransferStatus, { nullable: true }) status: InterBankTransferStatus | null,
    @Ctx() ctx: RequestContext,
  ) {
    return transfers.interBankTransfersOf(ctx, slug, direction, status);
  }

  @Query(() => [InterBankTransfer], {
    description: "Your own inter-bank transfers, sent and received, and those of the institutions you act for.",
  })
  myInterBankTransfers(@Ctx() ctx: RequestContext) {
    return transfers.myInterBankTransfers(ctx);
  }

  @Query(() => [InterBankTransfer], {
    description: "Delegates: transfers of members your institution supervises, waiting for its approval.",
  })
  interBankTransfersAwaitingApproval(@Arg("institutionId", () => ID) institutionId: string, @Ctx() ctx: RequestContext) {
    return transfers.awaitingApproval(ctx, institutionId);
  }

  @Mutation(() => SendResult, { description: "Sends hours to a member, an institution or the community pot of a partner bank." })
  sendHoursToOtherBank(@Arg("input") input: SendHoursToOtherBankInput, @Ctx() ctx: RequestContext) {
    return transfers.sendHoursToOtherBank(ctx, input);
  }

  @Mutation(() => InstitutionExchangeResult, {
    description:
      "Records an exchange between an institution and a member of the same bank. A coordinator's posts at once; a delegate's posts at once when the institution pays and waits for the member's confirmation when the institution earns.",
  })
  recordInstitutionExchange(@Arg("input") input: RecordInstitutionExchangeInput, @Ctx() ctx: RequestContext) {
    return exchanges.recordInstitutionExchange(ctx, input);
  }

  @Mutation(() => DecisionResult, { description: "A delegate of the institution supervising the sender approves." })
  approveInterBankTransfer(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return transfers.approveInterBankTransfer(ctx, id);
  }

  @Mutation(() => DecisionResult, { description: "A delegate of the institution supervising the sender refuses: nothing moves." })
  refuseInterBankTransfer(
    @Arg("id", () => ID) id: string,
    @Arg("reason", () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return transfers.refuseInterBankTransfer(ctx, id, reason);
  }

  @Mutation(() => DecisionResult, { description: "A coordinator of the receiving bank accepts: both legs post." })
  acceptInterBankTransfer(@Arg("id", () => ID) id: string, @Ctx() ctx: RequestContext) {
    return transfers.acceptInterBankTransfer(ctx, id);
  }

  @Mutation(() => DecisionResult, { description: "A coordinator of the receiving bank declines: nothing moves." })
  declineInterBankTransfer(
    @Arg("id", () => ID) id: string,
    @Arg("reason", () => String, { nullable: true }) reason: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return transfers.declineInterBankTransfer(ctx, id, reason);
  }

  @FieldResolver(() => Timebank, { nullable: true })
  sourceBank(@Root() t: InterBankTransfer, @Ctx() ctx: RequestContext) {
    return t.sourceBankId ? ctx.loaders.timebankById.load(t.sourceBankId) : null;
  }

  @FieldResolver(() => Timebank)
  targetBank(@Root() t: InterBankTransfer, @Ctx() ctx: RequestContext) {
    return ctx.loaders.timebankById.load(t.targetBankId);
  }

  @FieldResolver(() => [InterBankLeg], { description: "Both legs, source first: what moved in each bank, without the accounts." })
  legs(@Root() t: InterBankTransfer, @Ctx() ctx: RequestContext) {
    return transfers.legsOf(ctx, t);
  }
}

@Resolver(() => InterBankLeg)
export class InterBankLegResolver {
  @FieldResolver(() => Timebank)
  bank(@Root() l: InterBankLeg & { timebankId: string }, @Ctx() ctx: RequestContext) {
    return ctx.loaders.timebankById.load(l.timebankId);
  }
}

@Resolver(() => Supervision)
export class SupervisionResolver {
  @FieldResolver(() => Timebank)
  timebank(@Root() s: Supervision, @Ctx() ctx: RequestContext) {
    return ctx.loaders.timebankById.load(s.timebankId);
  }
}

@Resolver(() => Account)
export class InstitutionAccountFieldsResolver {
  @FieldResolver(() => Boolean, {
    description:
      "Its owner is supervised by an institution that lets its members give only hours they hold: availableMinutes then counts no credit.",
  })
  async earnedHoursOnly(@Root() a: Account, @Ctx() ctx: RequestContext) {
    return a.kind === "MEMBER" && !!a.membershipId && earnedOnlyLoader(ctx.loaders, ctx.db).load(`${a.timebankId}:${a.membershipId}`);
  }
}
