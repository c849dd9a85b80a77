// Institutions (members of banks acting through delegates) and partnerships between banks with
// their clearing accounts, positions and settlement statements. Inter-bank transfers are in
// federation.transfers.ts.
import { widenRequestScope } from "../../db/bank-scope";
import type { InstitutionMembership, Partnership, Timebank } from "../../generated/prisma/client";
import type { TransferPurpose } from "../../generated/prisma/enums";
import { badInput, errorResult, forbidden, notFound, type ErrorResult } from "../../common/errors";
import * as v from "../../common/validation";
import { inTransaction, requireViewer, type BankContext, type RequestContext } from "../../context/context";
import { isBankAdmin, isStaff, membershipIn, requireBankAdmin, requireInsider, requireStaff } from "../../context/access";
import { ledgerTransaction, type Tx } from "../ledger/ledger.engine";
import { MAX_ACCOUNT_LIMIT_MINUTES } from "../ledger/ledger.rules";
import { statementOf } from "../ledger/ledger.statements";
import * as timebanks from "../timebank/timebank.service";
import type { AddInstitutionToBankInput, CreateInstitutionInput, ProposePartnershipInput } from "./federation.input";
import { capsFor, clearingLimits } from "./federation.rules";
import { everyBank } from "../../db/bank-scope";
import {
  InstitutionAlreadyMember,
  InstitutionMembershipNotActive,
  PartnershipExists,
  PartnershipStateConflict,
  TransferDirection,
} from "./federation.type";

/** Caps on a partnership's net exposure in one direction, in minutes (1,000 hours). */
export const MAX_EXPOSURE_CAP_MINUTES = MAX_ACCOUNT_LIMIT_MINUTES;
export const MAX_EXPIRY_HOURS = 24 * 90;
const MAX_INSTITUTION_CAP_MINUTES = 1_000_000;

// ---- institutions ----------------------------------------------------------------------------

/** Ids of the institutions the viewer is a delegate of. */
export async function delegatedInstitutionIds(ctx: RequestContext): Promise<Set<string>> {
  if (!ctx.viewer) return new Set();
  const rows = await ctx.db.institutionDelegate.findMany({ where: { personId: ctx.viewer.personId }, select: { institutionId: true } });
  return new Set(rows.map((r) => r.institutionId));
}

export async function isDelegateOf(ctx: RequestContext, institutionId: string): Promise<boolean> {
  if (!ctx.viewer) return false;
  return (await ctx.db.institutionDelegate.count({ where: { personId: ctx.viewer.personId, institutionId } })) > 0;
}

/** Platform admins and the admin of any bank create institutions (which then join banks). */
export async function createInstitution(ctx: RequestContext, input: CreateInstitutionInput) {
  const viewer = requireViewer(ctx);
  if (!viewer.isPlatformAdmin && !viewer.memberships.some(isBankAdmin))
    throw forbidden("only platform admins and bank admins create institutions");
  const name = v.text(input.name, "name", { min: 2, max: 160 });
  return ctx.db.institution.create({ data: { name, kind: input.kind, createdById: viewer.personId, createdAt: ctx.clock.now() } });
}

export async function listInstitutions(ctx: RequestContext) {
  requireViewer(ctx);
  return ctx.db.institution.findMany({ orderBy: { name: "asc" }, take: 500 });
}

export async function findInstitution(ctx: RequestContext, rawId: string, field = "institutionId") {
  const institution = await ctx.db.institution.findUnique({ where: { id: v.id(rawId, field) } });
  if (!institution) throw notFound("institution");
  return institution;
}

function optionalCap(value: number | null | undefined, field: string): number | null {
  return value === null || value === undefined ? null : v.intInRange(value, field, 0, MAX_INSTITUTION_CAP_MINUTES);
}

/**
 * Who may give or withdraw an institution's consent: its delegates, and its creator (who appoints
 * its first delegates). A platform admin administers banks, not institutions: no consent of theirs.
 */
export async function mayActForInstitution(ctx: RequestContext, institution: { id: string; createdById: string }): Promise<boolean> {
  if (!ctx.viewer) return false;
  return institution.createdById === ctx.viewer.personId || (await isDelegateOf(ctx, institution.id));
}

/**
 * A bank admin proposes that an institution join the bank, with its caps (issue 18: no bank acts
 * on another's institution without its consent). The membership waits PROPOSED, its account
 * opened CLOSED, until a delegate of the institution accepts; when the admin acts for the
 * institution themselves (its delegate or creator), proposing is consenting and it is ACTIVE at
 * once. A revoked membership may be proposed again (same account, same history).
 */
export async function addInstitutionToBank(
  ctx: RequestContext,
  input: AddInstitutionToBankInput,
): Promise<InstitutionMembership | ErrorResult> {
  const viewer = requireViewer(ctx);
  const bank = await timebanks.forBank(ctx, input.timebank);
  requireBankAdmin(bank);
  const institution = await findInstitution(ctx, input.institutionId);
  const caps = {
    monthlySpendCapMinutes: optionalCap(input.monthlySpendCapMinutes, "monthlySpendCapMinutes"),
    monthlyAcceptCapMinutes: optionalCap(input.monthlyAcceptCapMinutes, "monthlyAcceptCapMinutes"),
    paymentCapPerMemberMinutes: optionalCap(input.paymentCapPerMemberMinutes, "paymentCapPerMemberMinutes"),
    requiresApprovalOfMembersOutgoing: input.requiresApprovalOfMembersOutgoing ?? false,
    acceptsHoursAsPayment: input.acceptsHoursAsPayment ?? false,
    supervisedMayUseCredit: input.supervisedMayUseCredit ?? false,
  };
  const consents = await mayActForInstitution(ctx, institution);
  const result = await ledgerTransaction(bank, async (tx) => {
    const now = tx.clock.now();
    const consent = consents
      ? { status: "ACTIVE" as const, acceptedById: viewer.personId, acceptedAt: now }
      : { status: "PROPOSED" as const, acceptedById: null, acceptedAt: null };
    const existing = await tx.db.institutionMembership.findUnique({
      where: { timebankId_institutionId: { timebankId: tx.bank.id, institutionId: institution.id } },
    });
    if (existing && existing.status !== "REVOKED") {
      return errorResult(
        InstitutionAlreadyMember,
        "INSTITUTION_ALREADY_MEMBER",
        `${institution.name} is already ${existing.status === "PROPOSED" ? "invited to" : "a member of"} ${tx.bank.name}`,
        {
          institutionMembershipId: existing.id,
        },
      );
    }
    if (existing) {
      await tx.db.account.update({
        where: { timebankId_id: { timebankId: tx.bank.id, id: existing.accountId } },
        data: { status: consents ? "ACTIVE" : "CLOSED", updatedAt: now },
      });
      return tx.db.institutionMembership.update({
        where: { timebankId_id: { timebankId: tx.bank.id, id: existing.id } },
        data: { ...caps, ...consent, proposedById: viewer.personId, revokedById: null, revokedAt: null },
      });
    }
    const account = await tx.db.account.create({
      data: {
        timebankId: tx.bank.id,
        kind: "INSTITUTION",
        status: consents ? "ACTIVE" : "CLOSED",
        floorMinutes: tx.bank.creditFloorMinutes,
        ceilingMinutes: tx.bank.balanceCeilingMinutes,
        openedAt: now,
        updatedAt: now,
      },
    });
    return tx.db.institutionMembership.create({
      data: {
        timebankId: tx.bank.id,
        institutionId: institution.id,
        accountId: account.id,
        createdAt: now,
        proposedById: viewer.personId,
        ...consent,
        ...caps,
      },
    });
  });
  if (consents) ctx.app.readCache.invalidate(); // the delegates' readable banks changed
  return result;
}

/**
 * An institution's membership by id, for the institution's side (its delegates and creator, who
 * may have no scope in that bank yet: the lookup names its bank itself) or the bank's admins.
 * NOT_FOUND for anyone else, as for an id that does not exist.
 */
async function membershipForConsent(
  ctx: RequestContext,
  rawId: string,
): Promise<{ im: InstitutionMembership; institutionSide: boolean; bankAdmin: boolean }> {
  requireViewer(ctx);
  const id = v.id(rawId, "institutionMembershipId");
  const im = await everyBank(() => ctx.db.institutionMembership.findFirst({ where: { id } }));
  if (!im) throw notFound("institution membership");
  const institution = await ctx.db.institution.findUniqueOrThrow({ where: { id: im.institutionId } });
  const institutionSide = await mayActForInstitution(ctx, institution);
  const bankAdmin = isBankAdmin(membershipIn(ctx.viewer, im.timebankId));
  if (!institutionSide && !bankAdmin) throw notFound("institution membership");
  return { im, institutionSide, bankAdmin };
}

function membershipNotActive(im: InstitutionMembership, message: string): ErrorResult {
  return errorResult(InstitutionMembershipNotActive, "INSTITUTION_MEMBERSHIP_NOT_ACTIVE", message, {
    institutionMembershipId: im.id,
    currentStatus: im.status,
  });
}

/** A delegate (or the creator) of the institution accepts a bank's proposal: its account opens. */
export async function acceptInstitutionMembership(ctx: RequestContext, rawId: string): Promise<InstitutionMembership | ErrorResult> {
  const viewer = requireViewer(ctx);
  const { im, institutionSide } = await membershipForConsent(ctx, rawId);
  if (!institutionSide) throw forbidden("only a delegate of the institution accepts its membership of a bank");
  const bank = await timebanks.forBankId(ctx, im.timebankId);
  const result = await ledgerTransaction(bank, async (tx) => {
    const now = tx.clock.now();
    const changed = await tx.db.institutionMembership.updateMany({
      where: { timebankId: im.timebankId, id: im.id, status: "PROPOSED" },
      data: { status: "ACTIVE", acceptedById: viewer.personId, acceptedAt: now },
    });
    const current = await tx.db.institutionMembership.findUniqueOrThrow({
      where: { timebankId_id: { timebankId: im.timebankId, id: im.id } },
    });
    if (changed.count === 1) {
      await tx.db.account.update({
        where: { timebankId_id: { timebankId: im.timebankId, id: im.accountId } },
        data: { status: "ACTIVE", updatedAt: now },
      });
      return current;
    }
    if (current.status === "ACTIVE") return current; // a retry, or already accepted
    return membershipNotActive(current, `this membership is ${current.status.toLowerCase()}: only a proposed membership can be accepted`);
  });
  ctx.app.readCache.invalidate(); // the delegates' readable banks changed
  // The accepting delegate may read the bank's side of the membership from now on, the rest of
  // this request's answer (its account) included: row-level security scoped the request before.
  if ("status" in result && result.status === "ACTIVE") widenRequestScope([im.timebankId]);
  return result;
}

/**
 * Either side ends the membership: the institution's delegates decline a proposal or withdraw
 * their consent, the bank's admins end it. Its account closes (balance and history stay), the
 * supervisions it held end. Refused while transfers to or from its account are pending: they
 * would post against a closed membership.
 */
export async function revokeInstitutionMembership(ctx: RequestContext, rawId: string): Promise<InstitutionMembership | ErrorResult> {
  const viewer = requireViewer(ctx);
  const { im } = await membershipForConsent(ctx, rawId);
  const bank = await timebanks.forBankId(ctx, im.timebankId);
  const result = await ledgerTransaction(bank, async (tx) => {
    const now = tx.clock.now();
    const [account] = await tx.db.$queryRaw<{ pendingIn: number; pendingOut: number }[]>`
      SELECT "pendingInMinutes" AS "pendingIn", "pendingOutMinutes" AS "pendingOut" FROM "Account"
       WHERE "timebankId" = ${im.timebankId}::uuid AND "id" = ${im.accountId}::uuid FOR UPDATE`;
    const current = await tx.db.institutionMembership.findUniqueOrThrow({
      where: { timebankId_id: { timebankId: im.timebankId, id: im.id } },
    });
    if (current.status === "REVOKED") return current; // a retry, or already ended
    if (account.pendingIn > 0 || account.pendingOut > 0) {
      return membershipNotActive(
        current,
        "transfers to or from the institution's account are still pending: decide them (or let them expire) first",
      );
    }
    await tx.db.institutionMembership.update({
      where: { timebankId_id: { timebankId: im.timebankId, id: im.id } },
      data: { status: "REVOKED", revokedById: viewer.personId, revokedAt: now },
    });
    await tx.db.account.update({
      where: { timebankId_id: { timebankId: im.timebankId, id: im.accountId } },
      data: { status: "CLOSED", updatedAt: now },
    });
    await tx.db.institutionSupervision.updateMany({
      where: { timebankId: im.timebankId, institutionMembershipId: im.id, endedAt: null },
      data: { endedAt: now, endedById: viewer.personId },
    });
    return tx.db.institutionMembership.findUniqueOrThrow({ where: { timebankId_id: { timebankId: im.timebankId, id: im.id } } });
  });
  ctx.app.readCache.invalidate();
  return result;
}

/** Platform admins, the institution's creator and its delegates appoint delegates. */
export async function addInstitutionDelegate(ctx: RequestContext, rawInstitutionId: string, rawEmail: string, rawRole: string) {
  const viewer = requireViewer(ctx);
  const institution = await findInstitution(ctx, rawInstitutionId);
  if (!viewer.isPlatformAdmin && institution.createdById !== viewer.personId && !(await isDelegateOf(ctx, institution.id))) {
    throw forbidden("only the institution's delegates, its creator and platform admins appoint delegates");
  }
  const email = v.normaliseEmail(rawEmail);
  const role = v.text(rawRole, "role", { min: 2, max: 120 });
  const person = await ctx.db.person.findUnique({ where: { email } });
  if (!person) throw notFound("person with that email");
  await ctx.db.institutionDelegate.upsert({
    where: { institutionId_personId: { institutionId: institution.id, personId: person.id } },
    create: { institutionId: institution.id, personId: person.id, role, createdAt: ctx.clock.now() },
    update: { role },
  });
  return institution;
}

export async function delegatesOf(ctx: RequestContext, institutionId: string) {
  const viewer = requireViewer(ctx);
  const institution = await ctx.db.institution.findUniqueOrThrow({ where: { id: institutionId } });
  if (!viewer.isPlatformAdmin && institution.createdById !== viewer.personId && !(await isDelegateOf(ctx, institutionId))) return [];
  const rows = await ctx.db.institutionDelegate.findMany({
    where: { institutionId },
    include: { person: { select: { displayName: true } } },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((r) => ({ personId: r.personId, displayName: r.person.displayName, role: r.role }));
}

/** The institutions the viewer acts for. */
export async function myInstitutions(ctx: RequestContext) {
  const viewer = requireViewer(ctx);
  return ctx.db.institution.findMany({ where: { delegates: { some: { personId: viewer.personId } } }, orderBy: { name: "asc" } });
}

/** Banks an institution belongs to: visible to its delegates, platform admins, and insiders of each bank. */
export async function membershipsOf(ctx: RequestContext, institutionId: string): Promise<InstitutionMembership[]> {
  const viewer = requireViewer(ctx);
  const institution = await ctx.db.institution.findUniqueOrThrow({ where: { id: institutionId } });
  if (viewer.isPlatformAdmin || (await mayActForInstitution(ctx, institution))) {
    // The institution's side sees its proposals too, in banks that give it no scope yet.
    return everyBank(() => ctx.db.institutionMembership.findMany({ where: { institutionId }, orderBy: { createdAt: "asc" } }));
  }
  const all = await ctx.db.institutionMembership.findMany({ where: { institutionId }, orderBy: { createdAt: "asc" } });
  return all.filter((m) => requireInsiderSafe(ctx, m.timebankId));
}

function requireInsiderSafe(ctx: RequestContext, timebankId: string): boolean {
  const m = membershipIn(ctx.viewer, timebankId);
  return !!m && (m.status === "ACTIVE" || m.status === "PAUSED");
}

/**
 * The institution account is shown to the bank's coordinators, and to the institution's delegates
 * while its membership is active (a proposed or revoked one gives them no scope in the bank).
 */
export async function institutionAccount(
  ctx: RequestContext,
  m: Pick<InstitutionMembership, "timebankId" | "institutionId" | "accountId" | "status">,
) {
  if (!ctx.viewer) return null;
  if (!isStaff(membershipIn(ctx.viewer, m.timebankId)) && !(m.status === "ACTIVE" && (await isDelegateOf(ctx, m.institutionId))))
    return null;
  return ctx.db.account.findUnique({ where: { timebankId_id: { timebankId: m.timebankId, id: m.accountId } } });
}

/** Coordinators: a member is supervised by an institution of the bank (a prisoner by the prison). */
export async function superviseMember(ctx: RequestContext, slug: string, rawMemberId: string, rawInstitutionId: string) {
  const viewer = requireViewer(ctx);
  const bank = await timebanks.forBank(ctx, slug);
  requireStaff(bank);
  const membershipId = v.id(rawMemberId, "memberId");
  const institutionId = v.id(rawInstitutionId, "institutionId");
  const member = await ctx.db.membership.findUnique({ where: { timebankId_id: { timebankId: bank.bank.id, id: membershipId } } });
  if (!member) throw notFound(`member in ${bank.bank.slug}`);
  const im = await ctx.db.institutionMembership.findUnique({
    where: { timebankId_institutionId: { timebankId: bank.bank.id, institutionId } },
  });
  if (!im) throw notFound(`institution in ${bank.bank.slug}`);
  if (im.status !== "ACTIVE")
    throw forbidden(
      `the institution's membership of ${bank.bank.slug} is ${im.status.toLowerCase()}: it supervises no one until its delegates accept it`,
    );
  const data = {
    timebankId: bank.bank.id,
    membershipId,
    institutionMembershipId: im.id,
    createdById: viewer.personId,
    createdAt: ctx.clock.now(),
  };
  await ctx.db.institutionSupervision.upsert({
    where: { timebankId_membershipId: { timebankId: bank.bank.id, membershipId } },
    create: data,
    update: { institutionMembershipId: im.id, createdById: viewer.personId, createdAt: ctx.clock.now(), endedAt: null, endedById: null },
  });
  return member;
}

/**
 * Who manages a member's supervision: the bank's coordinators, and the delegates of the
 * supervising institution while its membership of the bank is active. NOT_FOUND for anyone else
 * (and for a member who is not supervised), so that nobody learns who is supervised.
 */
async function supervisionToManage(ctx: RequestContext, slug: string, rawMemberId: string) {
  requireViewer(ctx);
  const bank = await timebanks.forBank(ctx, slug);
  const membershipId = v.id(rawMemberId, "memberId");
  const s = await ctx.db.institutionSupervision.findUnique({
    where: { timebankId_membershipId: { timebankId: bank.bank.id, membershipId } },
    include: { institutionMembership: true },
  });
  const staff = isStaff(membershipIn(ctx.viewer, bank.bank.id));
  const delegate = !!s && s.institutionMembership.status === "ACTIVE" && (await isDelegateOf(ctx, s.institutionMembership.institutionId));
  if (!s || (!staff && !delegate)) throw notFound(`supervised member in ${bank.bank.slug}`);
  return { bank, s };
}

/** Coordinators or the institution: the member is no longer supervised (their transfers need no approval, earned-hours rule lifted). */
export async function endSupervision(ctx: RequestContext, slug: string, rawMemberId: string) {
  const viewer = requireViewer(ctx);
  const { bank, s } = await supervisionToManage(ctx, slug, rawMemberId);
  if (!s.endedAt) {
    await ctx.db.institutionSupervision.updateMany({
      where: { timebankId: bank.bank.id, membershipId: s.membershipId, endedAt: null },
      data: { endedAt: ctx.clock.now(), endedById: viewer.personId },
    });
  }
  return supervisionView(ctx, bank.bank.id, s.membershipId);
}

/** Coordinators or the institution: the most minutes this member may send to other banks per calendar month (null: no limit of their own). */
export async function setSupervisionLimit(ctx: RequestContext, slug: string, rawMemberId: string, limit: number | null) {
  const { bank, s } = await supervisionToManage(ctx, slug, rawMemberId);
  if (s.endedAt) throw badInput("this supervision has ended: supervise the member again first", "memberId");
  const monthlySendLimitMinutes = limit === null ? null : v.intInRange(limit, "monthlySendLimitMinutes", 0, MAX_INSTITUTION_CAP_MINUTES);
  await ctx.db.institutionSupervision.update({
    where: { timebankId_membershipId: { timebankId: bank.bank.id, membershipId: s.membershipId } },
    data: { monthlySendLimitMinutes },
  });
  return supervisionView(ctx, bank.bank.id, s.membershipId);
}

export interface SupervisionView {
  memberId: string;
  displayName: string;
  timebankId: string;
  institutionId: string;
  since: Date;
  endedAt: Date | null;
  monthlySendLimitMinutes: number | null;
}

async function supervisionView(ctx: RequestContext, timebankId: string, membershipId: string): Promise<SupervisionView> {
  const s = await ctx.db.institutionSupervision.findUniqueOrThrow({
    where: { timebankId_membershipId: { timebankId, membershipId } },
    include: {
      institutionMembership: { select: { institutionId: true } },
      membership: { select: { person: { select: { displayName: true } } } },
    },
  });
  return {
    memberId: s.membershipId,
    displayName: s.membership.person.displayName,
    timebankId: s.timebankId,
    institutionId: s.institutionMembership.institutionId,
    since: s.createdAt,
    endedAt: s.endedAt,
    monthlySendLimitMinutes: s.monthlySendLimitMinutes,
  };
}

/**
 * The institution's delegates: the members it supervises in every bank where its membership is
 * active (with ended supervisions when asked), names only: nothing of their accounts.
 */
export async function supervisedMembers(ctx: RequestContext, rawInstitutionId: string, includeEnded: boolean): Promise<SupervisionView[]> {
  requireViewer(ctx);
  const institutionId = v.id(rawInstitutionId, "institutionId");
  if (!(await isDelegateOf(ctx, institutionId))) throw notFound("institution you act for");
  const rows = await ctx.db.institutionSupervision.findMany({
    where: { institutionMembership: { institutionId, status: "ACTIVE" }, ...(includeEnded ? {} : { endedAt: null }) },
    include: {
      institutionMembership: { select: { institutionId: true } },
      membership: { select: { person: { select: { displayName: true } } } },
    },
    orderBy: [{ timebankId: "asc" }, { createdAt: "asc" }],
    take: 1000,
  });
  return rows.map((s) => ({
    memberId: s.membershipId,
    displayName: s.membership.person.displayName,
    timebankId: s.timebankId,
    institutionId: s.institutionMembership.institutionId,
    since: s.createdAt,
    endedAt: s.endedAt,
    monthlySendLimitMinutes: s.monthlySendLimitMinutes,
  }));
}

// ---- partnerships ----------------------------------------------------------------------------

function validatePurposes(raw: TransferPurpose[]): TransferPurpose[] {
  const purposes = [...new Set(raw)];
  if (purposes.length === 0) throw badInput("a partnership allows at least one purpose", "purposes");
  return purposes;
}

/** A bank admin proposes a partnership; the other bank's admin accepts it. */
export async function proposePartnership(ctx: RequestContext, input: ProposePartnershipInput): Promise<Partnership | ErrorResult> {
  const viewer = requireViewer(ctx);
  const bank = await timebanks.forBank(ctx, input.timebank);
  requireBankAdmin(bank);
  const partner = await timebanks.findBySlug(ctx, input.partnerBank);
  if (partner.id === bank.bank.id) throw badInput("a bank cannot partner with itself", "partnerBank");
  const data = {
    proposerBankId: bank.bank.id,
    partnerBankId: partner.id,
    purposes: validatePurposes(input.purposes),
    proposerToPartnerCapMinutes: v.intInRange(input.outgoingCapMinutes, "outgoingCapMinutes", 0, MAX_EXPOSURE_CAP_MINUTES),
    partnerToProposerCapMinutes: v.intInRange(input.incomingCapMinutes, "incomingCapMinutes", 0, MAX_EXPOSURE_CAP_MINUTES),
    incomingNeedsAcceptance: input.incomingNeedsAcceptance ?? true,
    pendingExpiryHours: v.intInRange(input.pendingExpiryHours ?? 168, "pendingExpiryHours", 1, MAX_EXPIRY_HOURS),
    proposedById: viewer.personId,
  };
  return ledgerTransaction(bank, async (tx) => {
    const live = await livePartnership(tx.db, bank.bank.id, partner.id);
    if (live)
      return errorResult(
        PartnershipExists,
        "PARTNERSHIP_EXISTS",
        `${bank.bank.name} and ${partner.name} already have a partnership (${live.status.toLowerCase()})`,
        { partnershipId: live.id },
      );
    const now = tx.clock.now();
    return tx.db.partnership.create({ data: { ...data, createdAt: now, updatedAt: now } });
  });
}

/** The partnership between two banks that has not ended, if any. */
export async function livePartnership(db: Tx | RequestContext["db"], a: string, b: string): Promise<Partnership | null> {
  return db.partnership.findFirst({
    where: {
      status: { not: "ENDED" },
      OR: [
        { proposerBankId: a, partnerBankId: b },
        { proposerBankId: b, partnerBankId: a },
      ],
    },
  });
}

/** Partnerships the viewer may see: those of banks they belong to. */
export async function findPartnership(ctx: RequestContext, rawId: string): Promise<Partnership> {
  requireViewer(ctx);
  const p = await ctx.db.partnership.findUnique({ where: { id: v.id(rawId, "partnershipId") } });
  if (!p || (!requireInsiderSafe(ctx, p.proposerBankId) && !requireInsiderSafe(ctx, p.partnerBankId))) throw notFound("partnership");
  return p;
}

function conflict(p: Partnership, message: string) {
  return errorResult(PartnershipStateConflict, "PARTNERSHIP_STATE_CONFLICT", message, { currentStatus: p.status });
}

/**
 * The partner bank's admin accepts: the partnership becomes ACTIVE and each bank opens its
 * clearing account for the other. The clearing account's balance is the net minutes its bank
 * sent to the partner, so its ceiling is the outgoing cap and its floor minus the incoming cap:
 * the ledger's guarded UPDATEs and CHECKs then hold the exposure caps too.
 */
export async function acceptPartnership(ctx: RequestContext, rawId: string): Promise<Partnership | ErrorResult> {
  const viewer = requireViewer(ctx);
  const p = await findPartnership(ctx, rawId);
  const partner = await timebanks.forBankId(ctx, p.partnerBankId);
  if (!isBankAdmin(partner.membership)) throw forbidden("only an admin of the invited bank accepts a partnership");
  return ledgerTransaction(
    partner,
    async (tx) => {
      const now = tx.clock.now();
      const changed = await tx.db.$executeRaw`
      UPDATE "Partnership" SET "status" = 'ACTIVE', "acceptedById" = ${viewer.personId}::uuid, "activatedAt" = ${now}, "updatedAt" = ${now}
      WHERE "id" = ${p.id}::uuid AND "status" = 'PROPOSED'`;
      if (changed !== 1) {
        const current = await tx.db.partnership.findUniqueOrThrow({ where: { id: p.id } });
        if (current.acceptedById === viewer.personId && current.status !== "PROPOSED") return current; // a retry
        return conflict(current, `this partnership is ${current.status.toLowerCase()}, not proposed`);
      }
      const updated = await tx.db.partnership.findUniqueOrThrow({ where: { id: p.id } });
      await openClearingAccounts(tx.db, updated, now);
      return updated;
    },
    [p.proposerBankId],
  ); // a clearing account opens in each bank
}

/** Opens each bank's clearing account for the other, with the partnership's caps as its limits. */
export async function openClearingAccounts(db: Tx, p: Partnership, now: Date): Promise<void> {
  for (const [own, other] of [
    [p.proposerBankId, p.partnerBankId],
    [p.partnerBankId, p.proposerBankId],
  ]) {
    const account = await db.account.create({
      data: { timebankId: own, kind: "CLEARING", ...clearingLimits(p, own), openedAt: now, updatedAt: now },
    });
    await db.partnerClearing.create({
      data: { timebankId: own, partnershipId: p.id, partnerTimebankId: other, accountId: account.id, createdAt: now },
    });
  }
}

async function adminOfEitherBank(ctx: RequestContext, p: Partnership): Promise<void> {
  const viewer = requireViewer(ctx);
  if (!isBankAdmin(membershipIn(viewer, p.proposerBankId)) && !isBankAdmin(membershipIn(viewer, p.partnerBankId))) {
    throw forbidden("only an admin of one of the two banks can do this");
  }
}

/** Either bank's admin suspends an active partnership: no new transfers, pending ones can still be voided. */
export async function suspendPartnership(ctx: RequestContext, rawId: string): Promise<Partnership | ErrorResult> {
  const p = await findPartnership(ctx, rawId);
  await adminOfEitherBank(ctx, p);
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const changed = await tx.db.$executeRaw`
      UPDATE "Partnership" SET "status" = 'SUSPENDED', "suspendedAt" = ${now}, "updatedAt" = ${now}
      WHERE "id" = ${p.id}::uuid AND "status" = 'ACTIVE'`;
    const current = await tx.db.partnership.findUniqueOrThrow({ where: { id: p.id } });
    if (changed === 1 || current.status === "SUSPENDED") return current; // a retry finds it suspended
    return conflict(current, `only an active partnership can be suspended; this one is ${current.status.toLowerCase()}`);
  });
}

/** Either bank's admin resumes a suspended partnership. */
export async function resumePartnership(ctx: RequestContext, rawId: string): Promise<Partnership | ErrorResult> {
  const p = await findPartnership(ctx, rawId);
  await adminOfEitherBank(ctx, p);
  return inTransaction(ctx, async (tx) => {
    const now = tx.clock.now();
    const changed = await tx.db.$executeRaw`
      UPDATE "Partnership" SET "status" = 'ACTIVE', "suspendedAt" = NULL, "updatedAt" = ${now}
      WHERE "id" = ${p.id}::uuid AND "status" = 'SUSPENDED'`;
    const current = await tx.db.partnership.findUniqueOrThrow({ where: { id: p.id } });
    if (changed === 1 || current.status === "ACTIVE") return current;
    return conflict(current, `only a suspended partnership can be resumed; this one is ${current.status.toLowerCase()}`);
  });
}

/** Partnerships of a bank, for its members (who can send where) and coordinators. */
export async function partnershipsOf(ctx: RequestContext, slug: string): Promise<Partnership[]> {
  const bank = await timebanks.forBank(ctx, slug);
  requireInsider(bank);
  return ctx.db.partnership.findMany({
    where: { OR: [{ proposerBankId: bank.bank.id }, { partnerBankId: bank.bank.id }] },
    orderBy: { createdAt: "asc" },
  });
}

export async function clearingOf(db: Tx | RequestContext["db"], timebankId: string, partnershipId: string) {
  return db.partnerClearing.findUnique({ where: { timebankId_partnershipId: { timebankId, partnershipId } }, include: { account: true } });
}

/** The coordinators' view of one side of a partnership: the bank's clearing account for it. */
async function sideOf(ctx: RequestContext, rawId: string, slug: string): Promise<{ p: Partnership; bank: BankContext; partner: Timebank }> {
  const p = await findPartnership(ctx, rawId);
  const bank = await timebanks.forBank(ctx, slug);
  requireStaff(bank);
  if (bank.bank.id !== p.proposerBankId && bank.bank.id !== p.partnerBankId) throw notFound("partnership");
  const partner = (await ctx.loaders.timebankById.load(bank.bank.id === p.proposerBankId ? p.partnerBankId : p.proposerBankId))!;
  return { p, bank, partner };
}

export async function partnershipPosition(ctx: RequestContext, rawId: string, slug: string) {
  const { p, bank, partner } = await sideOf(ctx, rawId, slug);
  const clearing = await clearingOf(ctx.db, bank.bank.id, p.id);
  if (!clearing) throw notFound("position (the partnership was never accepted)");
  const caps = capsFor(p, bank.bank.id);
  const a = clearing.account;
  return {
    partnership: p,
    timebank: bank.bank,
    partnerBank: partner,
    clearingAccount: a,
    netSentMinutes: a.balanceMinutes,
    // Outgoing transfers credit the clearing account, incoming ones debit it.
    pendingOutgoingMinutes: a.pendingInMinutes,
    pendingIncomingMinutes: a.pendingOutMinutes,
    outgoingCapMinutes: caps.outgoing,
    incomingCapMinutes: caps.incoming,
  };
}

/** Settlement statement of one side for [from, to): what was sent and received, posted only. */
export async function settlementStatement(ctx: RequestContext, rawId: string, slug: string, from: Date, to: Date) {
  const { p, bank } = await sideOf(ctx, rawId, slug);
  const clearing = await clearingOf(ctx.db, bank.bank.id, p.id);
  if (!clearing) throw notFound("statement (the partnership was never accepted)");
  const s = await statementOf(ctx.db, clearing.account, from, to);
  return {
    partnership: p,
    timebank: bank.bank,
    from,
    to,
    openingNetSentMinutes: s.openingBalanceMinutes,
    sentMinutes: s.totalInMinutes,
    receivedMinutes: s.totalOutMinutes,
    closingNetSentMinutes: s.closingBalanceMinutes,
    lines: s.lines.map((l) => ({
      interBankTransferId: l.transfer.groupId!,
      direction: l.inMinutes > 0 ? TransferDirection.OUTGOING : TransferDirection.INCOMING,
      minutes: l.transfer.minutes,
      postedAt: l.transfer.postedAt!,
      netSentAfterMinutes: l.balanceAfterMinutes,
    })),
  };
}
