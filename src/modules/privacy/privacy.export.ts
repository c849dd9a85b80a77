// The export of everything the server holds about a person, as JSON written piece by piece to a
// sink: the GraphQL field collects it, the download route streams it (a long ledger history is
// read a page at a time and never held whole). Field names follow the GraphQL schema's where the
// same fact is served there (tests/e2e/privacy-rights.test.ts walks the schema to check it).
// What is withheld, and why, is said in the export itself (`withheld`) and in docs/privacy.md.
import type { Membership, Person, Timebank } from "../../generated/prisma/client";
import type { Tx } from "../ledger/ledger.engine";
import { dayString } from "../onboarding/onboarding.rules";
import { monthPeriod } from "../ledger/ledger.period";

/** Transfers read per page while streaming. */
export const TRANSFER_PAGE = 500;

export const WITHHELD = "[withheld]";

/** Said in every export: what the server holds about the person but does not hand out, and why. */
export const WITHHELD_NOTES = [
  "A referee's own contact details (references.contact): they are the referee's personal data, not yours; the bank can put you in touch.",
  "The anonymous donor of an inter-bank transfer you received (interBankTransfers.donorName): the donor asked not to be named.",
  "Who else was proposed for your requests, and their scores: those are other members' data.",
  "Other delegates of an institution you act for: their own personal data.",
  "Real-time notifications (the outbox): they hold ids only and are deleted after a few hours.",
  "Login secrets: your password is stored only as a salted hash, which is of no use to anyone.",
];

export interface ExportScope {
  person: Person;
  /** The memberships to include (every bank for the person themselves; one bank for a coordinator or helper). */
  memberships: (Membership & { timebank: Timebank })[];
  /** Include what is not tied to one bank (the institutions they act for). */
  wholePerson: boolean;
}

export interface Sink {
  write(chunk: string): Promise<void> | void;
}

const j = (value: unknown) => JSON.stringify(value);
const day = (d: Date | null) => (d ? dayString(d) : null);

/** Collects the export into an object (GraphQL). */
export async function exportObject(db: Tx, scope: ExportScope, now: Date): Promise<Record<string, unknown>> {
  const parts: string[] = [];
  await writeExport(db, scope, now, { write: (c) => void parts.push(c) });
  return JSON.parse(parts.join(""));
}

/** Writes the export as one JSON document. */
export async function writeExport(db: Tx, scope: ExportScope, now: Date, sink: Sink): Promise<void> {
  const p = scope.person;
  const person = {
    id: p.id,
    displayName: p.displayName,
    email: p.email,
    preferredLanguage: p.preferredLanguage,
    offline: p.offline,
    isPlatformAdmin: p.isPlatformAdmin,
    isUmbrella: p.isUmbrella,
    createdAt: p.createdAt,
    erasedAt: p.erasedAt,
  };
  await sink.write(`{"exportedAt":${j(now)},"withheld":${j(WITHHELD_NOTES)},"person":${j(person)}`);
  if (scope.wholePerson) await sink.write(`,"delegations":${j(await delegations(db, p.id))}`);
  await sink.write(`,"banks":[`);
  let first = true;
  for (const m of scope.memberships) {
    await sink.write(first ? "" : ",");
    first = false;
    await writeBank(db, m, now, sink);
  }
  await sink.write("]}");
}

async function delegations(db: Tx, personId: string) {
  const rows = await db.institutionDelegate.findMany({
    where: { personId },
    include: { institution: { include: { memberships: true } } },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((d) => ({
    role: d.role,
    since: d.createdAt,
    // Other delegates of the institution are their own personal data: only this one is listed.
    delegate: { personId: d.personId, role: d.role },
    institution: {
      id: d.institution.id,
      name: d.institution.name,
      kind: d.institution.kind,
      createdAt: d.institution.createdAt,
      memberships: d.institution.memberships.map((im) => ({
        id: im.id,
        timebankId: im.timebankId,
        monthlySpendCapMinutes: im.monthlySpendCapMinutes,
        monthlyAcceptCapMinutes: im.monthlyAcceptCapMinutes,
        requiresApprovalOfMembersOutgoing: im.requiresApprovalOfMembersOutgoing,
        acceptsHoursAsPayment: im.acceptsHoursAsPayment,
        paymentCapPerMemberMinutes: im.paymentCapPerMemberMinutes,
        supervisedMayUseCredit: im.supervisedMayUseCredit,
        status: im.status,
        acceptedAt: im.acceptedAt,
      })),
    },
  }));
}

async function names(db: Tx, personIds: (string | null)[]): Promise<Map<string, string>> {
  const ids = [...new Set(personIds.filter((x): x is string => !!x))];
  const rows = ids.length ? await db.person.findMany({ where: { id: { in: ids } }, select: { id: true, displayName: true } }) : [];
  return new Map(rows.map((r) => [r.id, r.displayName]));
}

async function writeBank(db: Tx, m: Membership & { timebank: Timebank }, now: Date, sink: Sink): Promise<void> {
  const bank = { timebankId: m.timebankId };
  const mine = { timebankId: m.timebankId, membershipId: m.id };
  const [
    profile,
    skills,
    posts,
    matches,
    vouch,
    interviews,
    references,
    checks,
    referral,
    helpersForMe,
    iHelp,
    acting,
    mentoring,
    engagement,
    signups,
    hosted,
    participation,
    supervision,
  ] = await Promise.all([
    db.memberProfile.findUnique({ where: { timebankId_membershipId: mine } }),
    db.memberSkill.findMany({ where: mine, include: { category: true }, orderBy: [{ kind: "asc" }, { label: "asc" }] }),
    db.post.findMany({ where: { ...bank, authorId: m.id }, include: { category: true }, orderBy: { createdAt: "asc" } }),
    db.match.findMany({
      where: { ...bank, candidateId: m.id },
      include: { request: { select: { title: true } } },
      orderBy: { createdAt: "asc" },
    }),
    db.memberVouch.findUnique({ where: { timebankId_membershipId: mine } }),
    db.interview.findMany({ where: mine, orderBy: { scheduledAt: "asc" } }),
    db.reference.findMany({ where: mine, orderBy: { createdAt: "asc" } }),
    db.safeguardingCheck.findMany({ where: mine, orderBy: { checkedOn: "asc" } }),
    db.referral.findUnique({ where: { timebankId_membershipId: mine }, include: { partner: true } }),
    db.helperAuthorisation.findMany({
      where: { ...bank, memberId: m.id },
      include: { helper: { include: { person: { select: { displayName: true } } } } },
      orderBy: { createdAt: "asc" },
    }),
    db.helperAuthorisation.findMany({
      where: { ...bank, helperId: m.id },
      include: { member: { include: { person: { select: { displayName: true } } } } },
      orderBy: { createdAt: "asc" },
    }),
    db.actingLog.findMany({
      where: { ...bank, OR: [{ memberId: m.id }, { actorId: m.id }] },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    }),
    db.mentorPairing.findMany({ where: { ...bank, OR: [{ mentorId: m.id }, { newcomerId: m.id }] }, orderBy: { startedAt: "asc" } }),
    db.engagementPreference.findUnique({ where: { timebankId_membershipId: mine } }),
    db.activitySignup.findMany({ where: mine, include: { activity: true }, orderBy: { signedUpAt: "asc" } }),
    db.activity.findMany({ where: { ...bank, hostId: m.id }, orderBy: { startsAt: "asc" } }),
    db.participationProfile.findUnique({ where: { timebankId_membershipId: mine } }),
    db.institutionSupervision.findUnique({
      where: { timebankId_membershipId: mine },
      include: { institutionMembership: { include: { institution: true } } },
    }),
  ]);
  const staffNames = await names(db, [
    m.approvedById,
    vouch?.vouchedById ?? null,
    ...interviews.flatMap((i) => [i.scheduledById, i.heldById]),
    ...references.map((r) => r.checkedById),
    ...checks.map((c) => c.verifiedById),
  ]);
  const pairedWith = await db.membership.findMany({
    where: { ...bank, id: { in: mentoring.map((p) => (p.mentorId === m.id ? p.newcomerId : p.mentorId)) } },
    select: { id: true, person: { select: { displayName: true } } },
  });
  const partnerName = new Map(pairedWith.map((x) => [x.id, x.person.displayName]));
  const category = (c: { id: string; slug: string; name: string } | null) => c && { id: c.id, slug: c.slug, name: c.name };

  const head = {
    timebank: { id: m.timebank.id, slug: m.timebank.slug, name: m.timebank.name },
    membership: {
      id: m.id,
      memberNumber: m.memberNumber,
      role: m.role,
      status: m.status,
      appliedAt: m.appliedAt,
      approvedAt: m.approvedAt,
      approvedBy: m.approvedById ? (staffNames.get(m.approvedById) ?? null) : null,
      joinedAt: m.joinedAt,
      pausedAt: m.pausedAt,
      plannedReturnOn: day(m.plannedReturnOn),
      leftAt: m.leftAt,
    },
    profile: profile && {
      bio: profile.bio,
      languages: profile.languages,
      neighbourhood: profile.neighbourhood,
      availability: profile.availability,
      accessibilityNeeds: profile.accessibilityNeeds,
      contactPhone: profile.contactPhone,
      contactEmail: profile.contactEmail,
      updatedAt: profile.updatedAt,
    },
    skills: skills.map((s) => ({ kind: s.kind, label: s.label, category: category(s.category) })),
    livedExperience: skills.filter((s) => s.kind === "LIVED_EXPERIENCE").map((s) => s.label),
    participation: participation && {
      ageBand: participation.ageBand,
      situation: participation.situation,
      joinReasons: participation.joinReasons,
      consentedAt: participation.consentedAt,
      updatedAt: participation.updatedAt,
    },
    consents: [
      ...(participation
        ? [{ kind: "PARTICIPATION_STATISTICS", givenAt: participation.consentedAt, onPaper: false, withdrawnAt: null }]
        : []),
      ...helpersForMe
        .filter((h) => h.memberConsentedAt)
        .map((h) => ({
          kind: "HELPER_MAY_ACT_FOR_ME",
          helper: h.helper.person.displayName,
          givenAt: h.memberConsentedAt,
          onPaper: h.consentOnPaper,
          withdrawnAt: h.revokedAt,
        })),
    ],
    posts: posts.map((x) => ({
      id: x.id,
      kind: x.kind,
      title: x.title,
      description: x.description,
      category: category(x.category),
      tags: x.tags,
      expectedMinutes: x.expectedMinutes,
      placeMode: x.placeMode,
      neighbourhood: x.neighbourhood,
      availability: x.availability,
      dates: x.dates.map((d) => dayString(d)),
      flexible: x.flexible,
      visibility: x.visibility,
      requiresVouchedHelper: x.requiresVouchedHelper,
      expiresAt: x.expiresAt,
      status: x.status,
      createdAt: x.createdAt,
      updatedAt: x.updatedAt,
      closedAt: x.closedAt,
    })),
    matchesProposedToMe: matches.map((x) => ({
      id: x.id,
      requestId: x.requestId,
      requestTitle: x.request.title,
      offerId: x.offerId,
      status: x.status,
      score: x.score,
      factors: x.factors,
      createdAt: x.createdAt,
      respondedAt: x.respondedAt,
    })),
    onboarding: {
      interviews: interviews.map((i) => ({
        id: i.id,
        scheduledAt: i.scheduledAt,
        scheduledBy: staffNames.get(i.scheduledById) ?? null,
        heldAt: i.heldAt,
        heldBy: i.heldById ? (staffNames.get(i.heldById) ?? null) : null,
        notes: i.notes,
      })),
      // The referee's own contact details are theirs, not the member's.
      references: references.map((r) => ({
        id: r.id,
        name: r.name,
        relationship: r.relationship,
        contact: WITHHELD,
        checkedAt: r.checkedAt,
        checkedBy: r.checkedById ? (staffNames.get(r.checkedById) ?? null) : null,
        createdAt: r.createdAt,
      })),
      safeguardingChecks: checks.map((c) => ({
        id: c.id,
        checkType: c.checkType,
        checkedOn: day(c.checkedOn),
        expiresOn: day(c.expiresOn),
        valid: !c.expiresOn || dayString(c.expiresOn)! >= dayString(now)!,
        verifiedBy: staffNames.get(c.verifiedById) ?? null,
      })),
      referral: referral && {
        partner: { id: referral.partner.id, name: referral.partner.name, kind: referral.partner.kind },
        createdAt: referral.createdAt,
      },
      vouch: vouch && { vouchedAt: vouch.vouchedAt, vouchedBy: staffNames.get(vouch.vouchedById) ?? null, note: vouch.note },
    },
    supervision: supervision && {
      institution: { name: supervision.institutionMembership.institution.name, kind: supervision.institutionMembership.institution.kind },
      since: supervision.createdAt,
    },
    helpersActingForMe: helpersForMe.map((h) => ({
      id: h.id,
      helper: h.helper.person.displayName,
      memberConsentedAt: h.memberConsentedAt,
      consentOnPaper: h.consentOnPaper,
      coordinatorApprovedAt: h.coordinatorApprovedAt,
      revokedAt: h.revokedAt,
      createdAt: h.createdAt,
      active: !!h.memberConsentedAt && !!h.coordinatorApprovedAt && !h.revokedAt,
    })),
    membersIHelp: iHelp.map((h) => ({
      id: h.id,
      member: h.member.person.displayName,
      memberConsentedAt: h.memberConsentedAt,
      coordinatorApprovedAt: h.coordinatorApprovedAt,
      revokedAt: h.revokedAt,
      createdAt: h.createdAt,
    })),
    actingLog: acting.map((a) => ({
      id: a.id,
      actingFor: a.memberId === m.id ? "me" : "a member I help",
      byMe: a.actorId === m.id,
      action: a.action,
      targetId: a.targetId,
      outcome: a.outcome,
      createdAt: a.createdAt,
    })),
    mentorPairings: mentoring.map((x) => ({
      id: x.id,
      myRole: x.mentorId === m.id ? "MENTOR" : "NEWCOMER",
      partner: partnerName.get(x.mentorId === m.id ? x.newcomerId : x.mentorId) ?? null,
      startedAt: x.startedAt,
      endedAt: x.endedAt,
    })),
    engagement: engagement && { period: engagement.period, maxMinutes: engagement.maxMinutes, updatedAt: engagement.updatedAt },
    activitySignups: signups.map((s) => ({
      activityId: s.activityId,
      status: s.status,
      signedUpAt: s.signedUpAt,
      attendedAt: s.attendedAt,
      activity: {
        title: s.activity.title,
        kind: s.activity.kind,
        startsAt: s.activity.startsAt,
        durationMinutes: s.activity.durationMinutes,
        status: s.activity.status,
      },
    })),
    activitiesHosted: hosted.map((a) => ({
      id: a.id,
      kind: a.kind,
      title: a.title,
      description: a.description,
      startsAt: a.startsAt,
      durationMinutes: a.durationMinutes,
      places: a.places,
      status: a.status,
    })),
    capacity: await capacity(db, m),
    privacyRequests: (await db.privacyRequest.findMany({ where: mine, orderBy: { createdAt: "asc" } })).map((r) => ({
      action: r.action,
      requestedBy: r.requestedBy,
      note: r.note,
      createdAt: r.createdAt,
    })),
  };
  const text = j(head);
  await sink.write(text.slice(0, -1));
  await writeLedger(db, m, sink);
  await sink.write("}");
}

async function capacity(db: Tx, m: Membership) {
  const mine = { timebankId: m.timebankId, membershipId: m.id };
  const [schedules, workLogs, deposits, timeOff, entries, commitments, positions, payouts, audit] = await Promise.all([
    db.capacitySchedule.findMany({ where: mine, orderBy: { effectiveFrom: "asc" } }),
    db.workLog.findMany({ where: mine, orderBy: [{ workDate: "asc" }, { createdAt: "asc" }] }),
    db.depositRequest.findMany({ where: mine, orderBy: { submittedAt: "asc" } }),
    db.timeOffRequest.findMany({ where: mine, orderBy: { submittedAt: "asc" } }),
    db.timeAccountEntry.findMany({ where: mine, orderBy: [{ entryDate: "asc" }, { createdAt: "asc" }] }),
    db.serviceCommitment.findMany({
      where: mine,
      include: { workLogs: { select: { minutes: true, confirmedAt: true } } },
      orderBy: { createdAt: "asc" },
    }),
    db.capacityPosition.findMany({ where: mine, orderBy: { effectiveFrom: "asc" } }),
    db.payoutRequest.findMany({ where: mine, include: { entry: { select: { entryDate: true } } }, orderBy: { submittedAt: "asc" } }),
    db.capacityAudit.findMany({ where: mine, orderBy: { seq: "asc" } }),
  ]);
  const clock = (minute: number | null) =>
    minute === null ? null : `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;
  return {
    schedules: schedules.map((s) => ({
      id: s.id,
      effectiveFrom: day(s.effectiveFrom),
      mondayMinutes: s.mondayMinutes,
      tuesdayMinutes: s.tuesdayMinutes,
      wednesdayMinutes: s.wednesdayMinutes,
      thursdayMinutes: s.thursdayMinutes,
      fridayMinutes: s.fridayMinutes,
      saturdayMinutes: s.saturdayMinutes,
      sundayMinutes: s.sundayMinutes,
      createdAt: s.createdAt,
    })),
    workLogs: workLogs.map((w) => ({
      id: w.id,
      date: day(w.workDate),
      minutes: w.minutes,
      start: clock(w.startMinute),
      end: clock(w.endMinute),
      breakMinutes: w.breakMinutes,
      serviceCommitmentId: w.serviceCommitmentId,
      note: w.note,
      confirmed: w.confirmedAt !== null,
      confirmedAt: w.confirmedAt,
      createdAt: w.createdAt,
      updatedAt: w.updatedAt,
    })),
    depositRequests: deposits.map((d) => ({
      id: d.id,
      date: day(d.workDate),
      minutes: d.minutes,
      note: d.note,
      status: d.status,
      submittedAt: d.submittedAt,
      decidedAt: d.decidedAt,
      refusalReason: d.refusalReason,
    })),
    timeOffRequests: timeOff.map((d) => ({
      id: d.id,
      absenceType: d.absenceType,
      date: day(d.takenOn),
      minutes: d.minutes,
      note: d.note,
      status: d.status,
      submittedAt: d.submittedAt,
      decidedAt: d.decidedAt,
      refusalReason: d.refusalReason,
    })),
    positions: positions.map((p) => ({ id: p.id, effectiveFrom: day(p.effectiveFrom), percent: p.percent, createdAt: p.createdAt })),
    payoutRequests: payouts.map((p) => ({
      id: p.id,
      minutes: p.minutes,
      note: p.note,
      status: p.status,
      submittedAt: p.submittedAt,
      decidedAt: p.decidedAt,
      refusalReason: p.refusalReason,
      paidOn: day(p.entry?.entryDate ?? null),
    })),
    audit: audit.map((a) => ({ id: a.id, action: a.action, detail: a.detail, actorId: a.actorId, createdAt: a.createdAt })),
    timeAccountEntries: entries.map((e) => ({
      id: e.id,
      kind: e.kind,
      date: day(e.entryDate),
      minutes: e.minutes,
      createdAt: e.createdAt,
    })),
    serviceCommitments: commitments.map((c) => ({
      id: c.id,
      title: c.title,
      requiredMinutes: c.requiredMinutes,
      loggedMinutes: c.workLogs.reduce((sum, w) => sum + w.minutes, 0),
      confirmedMinutes: c.workLogs.reduce((sum, w) => sum + (w.confirmedAt ? w.minutes : 0), 0),
      supervisingInstitutionId: c.supervisingInstitutionId,
      acknowledgedAt: c.acknowledgedAt,
      dueOn: day(c.dueOn),
      status: c.status,
      createdAt: c.createdAt,
      completedAt: c.completedAt,
    })),
  };
}

interface Running {
  month: string;
  from: Date;
  to: Date;
  openingBalanceMinutes: number;
  totalInMinutes: number;
  totalOutMinutes: number;
  closingBalanceMinutes: number;
}

function monthOf(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit" }).format(at).slice(0, 7);
}

/** The account, every transfer it is party to (posted ones in posting order, with the balance after each), monthly statements, and inter-bank transfers. */
async function writeLedger(db: Tx, m: Membership & { timebank: Timebank }, sink: Sink): Promise<void> {
  const account = await db.account.findUnique({
    where: { timebankId_membershipId: { timebankId: m.timebankId, membershipId: m.id } },
    include: { limitChanges: { orderBy: { changedAt: "asc" } } },
  });
  const changers = await names(db, account?.limitChanges.map((c) => c.changedById) ?? []);
  const accounts = account
    ? [
        {
          id: account.id,
          kind: account.kind,
          status: account.status,
          balanceMinutes: account.balanceMinutes,
          pendingInMinutes: account.pendingInMinutes,
          pendingOutMinutes: account.pendingOutMinutes,
          floorMinutes: account.floorMinutes,
          ceilingMinutes: account.ceilingMinutes,
          availableMinutes: account.balanceMinutes - account.pendingOutMinutes - account.floorMinutes,
          openedAt: account.openedAt,
          limitChanges: account.limitChanges.map((c) => ({
            id: c.id,
            changedBy: changers.get(c.changedById) ?? null,
            reason: c.reason,
            oldFloorMinutes: c.oldFloorMinutes,
            newFloorMinutes: c.newFloorMinutes,
            oldCeilingMinutes: c.oldCeilingMinutes,
            newCeilingMinutes: c.newCeilingMinutes,
            changedAt: c.changedAt,
          })),
        },
      ]
    : [];
  await sink.write(`,"accounts":${j(accounts)},"transfers":[`);
  const statements: Running[] = [];
  if (account) {
    let first = true;
    let balance = 0;
    const tz = m.timebank.timezone;
    const emit = async (rows: Awaited<ReturnType<typeof transferPage>>) => {
      const parties = await partyNames(
        db,
        m.timebankId,
        rows.flatMap((t) => [t.debitAccountId, t.creditAccountId]),
      );
      let chunk = "";
      for (const t of rows) {
        const incoming = t.creditAccountId === account.id;
        let balanceAfterMinutes: number | null = null;
        if (t.status === "POSTED") {
          const month = monthOf(t.postedAt!, tz);
          let s = statements[statements.length - 1];
          if (!s || s.month !== month) {
            s = {
              month,
              ...monthPeriod(month, tz),
              openingBalanceMinutes: balance,
              totalInMinutes: 0,
              totalOutMinutes: 0,
              closingBalanceMinutes: balance,
            };
            statements.push(s);
          }
          balance += incoming ? t.minutes : -t.minutes;
          if (incoming) s.totalInMinutes += t.minutes;
          else s.totalOutMinutes += t.minutes;
          s.closingBalanceMinutes = balance;
          balanceAfterMinutes = balance;
        }
        const line = {
          id: t.id,
          kind: t.kind,
          status: t.status,
          minutes: t.minutes,
          inMinutes: incoming ? t.minutes : 0,
          outMinutes: incoming ? 0 : t.minutes,
          balanceAfterMinutes,
          memo: t.memo,
          idempotencyKey: t.idempotencyKey,
          seq: t.seq,
          debit: parties.get(t.debitAccountId) ?? { accountId: t.debitAccountId },
          credit: parties.get(t.creditAccountId) ?? { accountId: t.creditAccountId },
          recordedBy: t.createdBy.displayName,
          relatedPostId: t.relatedPostId,
          groupId: t.groupId,
          reversesTransferId: t.reversesTransferId,
          reversedById: t.reversedBy?.id ?? null,
          voidReason: t.voidReason,
          createdAt: t.createdAt,
          decidedAt: t.decidedAt,
          postedAt: t.postedAt,
        };
        chunk += (first ? "" : ",") + j(line);
        first = false;
      }
      await sink.write(chunk);
    };
    // Posted transfers in the order they moved the balance, a page at a time.
    let after: { postedAt: Date; id: string } | null = null;
    for (;;) {
      const rows = await transferPage(db, m.timebankId, account.id, true, after);
      if (!rows.length) break;
      await emit(rows);
      const last = rows[rows.length - 1];
      after = { postedAt: last.postedAt!, id: last.id };
    }
    // Then those that never moved it (pending, voided).
    let afterOther: { createdAt: Date; id: string } | null = null;
    for (;;) {
      const rows = await transferPage(db, m.timebankId, account.id, false, afterOther);
      if (!rows.length) break;
      await emit(rows);
      const last = rows[rows.length - 1];
      afterOther = { createdAt: last.createdAt, id: last.id };
    }
  }
  await sink.write(
    `],"statements":${j(statements.map(({ month, from, to, openingBalanceMinutes, totalInMinutes, totalOutMinutes, closingBalanceMinutes }) => ({ month, from, to, openingBalanceMinutes, totalInMinutes, totalOutMinutes, closingBalanceMinutes })))}`,
  );
  await sink.write(`,"interBankTransfers":${j(account ? await interBank(db, m, account.id) : [])}`);
}

function transferPage(
  db: Tx,
  timebankId: string,
  accountId: string,
  posted: boolean,
  after: { postedAt?: Date; createdAt?: Date; id: string } | null,
) {
  const party = { timebankId, OR: [{ debitAccountId: accountId }, { creditAccountId: accountId }] };
  const cursor = after
    ? posted
      ? { OR: [{ postedAt: { gt: after.postedAt } }, { postedAt: after.postedAt, id: { gt: after.id } }] }
      : { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] }
    : {};
  return db.transfer.findMany({
    where: { AND: [party, posted ? { status: "POSTED" } : { status: { not: "POSTED" } }, cursor] },
    include: { createdBy: { select: { displayName: true } }, reversedBy: { select: { id: true } } },
    orderBy: posted ? [{ postedAt: "asc" }, { id: "asc" }] : [{ createdAt: "asc" }, { id: "asc" }],
    take: TRANSFER_PAGE,
  });
}

/** The parties of transfers as a statement shows them: account, kind, member and name. */
async function partyNames(db: Tx, timebankId: string, accountIds: string[]) {
  const rows = await db.account.findMany({
    where: { timebankId, id: { in: [...new Set(accountIds)] } },
    select: {
      id: true,
      kind: true,
      membershipId: true,
      membership: { select: { person: { select: { displayName: true } } } },
      institutionMembership: { select: { institution: { select: { name: true } } } },
    },
  });
  return new Map(
    rows.map((a) => [
      a.id,
      {
        accountId: a.id,
        kind: a.kind,
        memberId: a.kind === "MEMBER" ? a.membershipId : null,
        displayName:
          a.membership?.person.displayName ??
          a.institutionMembership?.institution.name ??
          (a.kind === "POT" ? "Community pot" : "Partner bank"),
      },
    ]),
  );
}

/** Inter-bank transfers the member sent or received; an anonymous donor is not named to the recipient. */
async function interBank(db: Tx, m: Membership, accountId: string) {
  const rows = await db.interBankTransfer.findMany({
    where: {
      OR: [
        { timebankId: m.timebankId, senderAccountId: accountId },
        { targetTimebankId: m.timebankId, recipientAccountId: accountId },
      ],
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  const banks = await db.timebank.findMany({
    where: { id: { in: [...new Set(rows.flatMap((r) => [r.timebankId, r.targetTimebankId]))] } },
    select: { id: true, name: true },
  });
  const bankName = new Map(banks.map((b) => [b.id, b.name]));
  const senders = await db.account.findMany({
    where: { id: { in: rows.map((r) => r.senderAccountId) } },
    select: { id: true, membership: { select: { person: { select: { displayName: true } } } } },
  });
  const senderName = new Map(senders.map((s) => [s.id, s.membership?.person.displayName ?? null]));
  const recipients = await db.account.findMany({
    where: { id: { in: rows.map((r) => r.recipientAccountId) } },
    select: {
      id: true,
      kind: true,
      membership: { select: { person: { select: { displayName: true } } } },
      institutionMembership: { select: { institution: { select: { name: true } } } },
    },
  });
  const recipientName = new Map(
    recipients.map((r) => [
      r.id,
      r.membership?.person.displayName ?? r.institutionMembership?.institution.name ?? (r.kind === "POT" ? "Community pot" : null),
    ]),
  );
  return rows.map((r) => {
    const sent = r.timebankId === m.timebankId && r.senderAccountId === accountId;
    return {
      id: r.id,
      direction: sent ? "SENT" : "RECEIVED",
      otherBank: bankName.get(sent ? r.targetTimebankId : r.timebankId) ?? null,
      status: r.status,
      purpose: r.purpose,
      minutes: r.minutes,
      message: r.message,
      anonymous: r.anonymous,
      showSourceBank: r.showSourceBank,
      // The key the sender's request carried: the sending side's, as the API shows it.
      idempotencyKey: sent ? r.idempotencyKey : null,
      donorName: sent ? (senderName.get(r.senderAccountId) ?? null) : r.anonymous ? WITHHELD : (senderName.get(r.senderAccountId) ?? null),
      recipientKind: r.recipientKind,
      recipientName: recipientName.get(r.recipientAccountId) ?? null,
      legTransferId: sent ? r.sourceTransferId : r.targetTransferId,
      createdAt: r.createdAt,
      approvedAt: r.approvedAt,
      decidedAt: r.decidedAt,
      postedAt: r.postedAt,
      expiresAt: r.expiresAt,
      voidReason: r.voidReason,
    };
  });
}
