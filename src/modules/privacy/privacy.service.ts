// Privacy rights: a person downloads everything held about them across their banks, and asks to
// be forgotten: personal data is erased or anonymised, while memberships stay as anonymous rows
// (so ledger transfers keep pointing at an account) and counts stay consistent.
import { errorResult } from "../../common/errors";
import { inTransaction, requireViewer, type RequestContext } from "../../context/context";
import { NO_LOGIN_HASH } from "../onboarding/onboarding.service";
import { dayString } from "../onboarding/onboarding.rules";
import { promoteFromWaitingList } from "../activity/activity.service";
import { Forgotten, ForgetRefused } from "./privacy.type";

export const ERASED_NAME = "Erased member";
export const ERASED_EMAIL_DOMAIN = "erased.invalid";
export const ERASED_POST_TITLE = "Removed at the member's request";

/**
 * Everything held about the viewer, as JSON: person, and per bank the membership, profile,
 * skills, posts, matches, onboarding, helpers, mentoring, engagement and activities.
 * Coordinators' interview notes are left out (they are the bank's working notes; a subject
 * access request for them is answered by the bank).
 */
export async function exportMyData(ctx: RequestContext): Promise<Record<string, unknown>> {
  const viewer = requireViewer(ctx);
  const db = ctx.db;
  const person = await db.person.findUniqueOrThrow({
    where: { id: viewer.personId },
    select: { id: true, email: true, displayName: true, preferredLanguage: true, offline: true, createdAt: true, erasedAt: true },
  });
  const memberships = await db.membership.findMany({ where: { personId: viewer.personId }, include: { timebank: { select: { slug: true, name: true } } }, orderBy: { appliedAt: "asc" } });
  const banks = [];
  for (const m of memberships) {
    const mine = { timebankId: m.timebankId, membershipId: m.id };
    const [profile, skills, posts, matches, vouch, interviews, references, checks, referral, helpers, helping, acting, mentoring, engagement, signups] = await Promise.all([
      db.memberProfile.findUnique({ where: { timebankId_membershipId: mine } }),
      db.memberSkill.findMany({ where: mine, select: { kind: true, label: true } }),
      db.post.findMany({
        where: { timebankId: m.timebankId, authorId: m.id },
        select: { id: true, kind: true, title: true, description: true, tags: true, status: true, placeMode: true, neighbourhood: true, createdAt: true },
        orderBy: { createdAt: "asc" },
      }),
      db.match.findMany({ where: { timebankId: m.timebankId, candidateId: m.id }, select: { id: true, requestId: true, status: true, createdAt: true, respondedAt: true } }),
      db.memberVouch.findUnique({ where: { timebankId_membershipId: mine }, select: { vouchedAt: true, note: true } }),
      db.interview.findMany({ where: mine, select: { scheduledAt: true, heldAt: true } }),
      db.reference.findMany({ where: mine, select: { name: true, relationship: true, contact: true, checkedAt: true } }),
      db.safeguardingCheck.findMany({ where: mine, select: { checkType: true, checkedOn: true, expiresOn: true } }),
      db.referral.findUnique({ where: { timebankId_membershipId: mine }, select: { partner: { select: { name: true, kind: true } }, createdAt: true } }),
      db.helperAuthorisation.findMany({ where: { timebankId: m.timebankId, memberId: m.id } }),
      db.helperAuthorisation.findMany({ where: { timebankId: m.timebankId, helperId: m.id } }),
      db.actingLog.findMany({ where: { timebankId: m.timebankId, OR: [{ memberId: m.id }, { actorId: m.id }] }, orderBy: { createdAt: "asc" } }),
      db.mentorPairing.findMany({ where: { timebankId: m.timebankId, OR: [{ mentorId: m.id }, { newcomerId: m.id }] } }),
      db.engagementPreference.findUnique({ where: { timebankId_membershipId: mine }, select: { period: true, maxMinutes: true } }),
      db.activitySignup.findMany({ where: mine, select: { activityId: true, status: true, signedUpAt: true, attendedAt: true, activity: { select: { title: true, startsAt: true } } } }),
    ]);
    banks.push({
      timebank: m.timebank,
      membership: { id: m.id, memberNumber: m.memberNumber, role: m.role, status: m.status, appliedAt: m.appliedAt, joinedAt: m.joinedAt, pausedAt: m.pausedAt, plannedReturnOn: dayString(m.plannedReturnOn), leftAt: m.leftAt },
      profile: profile && {
        bio: profile.bio,
        languages: profile.languages,
        neighbourhood: profile.neighbourhood,
        availability: profile.availability,
        accessibilityNeeds: profile.accessibilityNeeds,
        contactPhone: profile.contactPhone,
        contactEmail: profile.contactEmail,
      },
      skills,
      posts,
      matchesProposedToMe: matches,
      vouch,
      onboarding: { interviews, references, safeguardingChecks: checks.map((c) => ({ checkType: c.checkType, checkedOn: dayString(c.checkedOn), expiresOn: dayString(c.expiresOn) })), referral },
      helpersActingForMe: helpers,
      membersIHelp: helping,
      actingLog: acting,
      mentorPairings: mentoring,
      engagement,
      activitySignups: signups,
    });
  }
  return JSON.parse(JSON.stringify({ exportedAt: ctx.clock.now(), person, banks }));
}

/**
 * Erases the viewer's personal data in every bank and ends their memberships, keeping the
 * membership rows (anonymous) so that ledger transfers and statistics stay intact. The session
 * ends with it: an erased person's token no longer identifies anyone.
 */
export async function forgetMe(ctx: RequestContext): Promise<Forgotten | ForgetRefused> {
  const viewer = requireViewer(ctx);
  return inTransaction(ctx, async (tx) => {
    const db = tx.db;
    const memberships = await db.membership.findMany({ where: { personId: viewer.personId } });
    for (const m of memberships) {
      if (m.role !== "ADMIN" || m.status !== "ACTIVE") continue;
      await db.$queryRaw`SELECT 1 FROM "Timebank" WHERE "id" = ${m.timebankId}::uuid FOR UPDATE`;
      const admins = await db.membership.count({ where: { timebankId: m.timebankId, role: "ADMIN", status: "ACTIVE" } });
      if (admins <= 1) return errorResult(ForgetRefused, "LAST_ADMIN", "you are the only admin of a bank: make someone else admin first, then ask again");
    }
    const now = tx.clock.now();
    await db.person.update({
      where: { id: viewer.personId },
      data: { email: `erased-${viewer.personId}@${ERASED_EMAIL_DOMAIN}`, displayName: ERASED_NAME, passwordHash: NO_LOGIN_HASH, offline: false, erasedAt: now },
    });
    for (const m of memberships) {
      const mine = { timebankId: m.timebankId, membershipId: m.id };
      const bankOf = { timebankId: m.timebankId };
      await db.memberProfile.updateMany({
        where: mine,
        data: { bio: "", languages: [], neighbourhood: null, availability: [], accessibilityNeeds: null, contactPhone: null, contactEmail: null },
      });
      await db.memberSkill.deleteMany({ where: mine });
      await db.post.updateMany({ where: { ...bankOf, authorId: m.id, status: "OPEN" }, data: { status: "CANCELLED", closedAt: now } });
      await db.post.updateMany({
        where: { ...bankOf, authorId: m.id },
        data: { title: ERASED_POST_TITLE, description: "", tags: [], neighbourhood: null, availability: [], dates: [], updatedAt: now },
      });
      await db.match.updateMany({ where: { ...bankOf, candidateId: m.id, status: "PROPOSED" }, data: { status: "WITHDRAWN" } });
      await db.memberVouch.deleteMany({ where: mine });
      await db.reference.deleteMany({ where: mine });
      await db.safeguardingCheck.deleteMany({ where: mine });
      await db.interview.updateMany({ where: mine, data: { notes: "" } });
      await db.engagementPreference.deleteMany({ where: mine });
      await db.helperAuthorisation.updateMany({ where: { ...bankOf, revokedAt: null, OR: [{ memberId: m.id }, { helperId: m.id }] }, data: { revokedAt: now, revokedById: viewer.personId } });
      await db.mentorPairing.updateMany({ where: { ...bankOf, endedAt: null, OR: [{ mentorId: m.id }, { newcomerId: m.id }] }, data: { endedAt: now } });
      // Places in planned activities are given up, and go to the first on the waiting list.
      const places = await db.activitySignup.findMany({ where: { ...mine, status: { in: ["SIGNED_UP", "WAITING"] }, activity: { status: "PLANNED" } } });
      for (const place of places) {
        await db.$queryRaw`SELECT 1 FROM "Activity" WHERE "timebankId" = ${m.timebankId}::uuid AND "id" = ${place.activityId}::uuid FOR UPDATE`;
        await db.activitySignup.update({
          where: { timebankId_activityId_membershipId: { ...mine, activityId: place.activityId } },
          data: { status: "CANCELLED" },
        });
        if (place.status === "SIGNED_UP") await promoteFromWaitingList(db, m.timebankId, place.activityId);
      }
      await db.membership.updateMany({
        where: { ...bankOf, id: m.id },
        data: { role: "MEMBER", pausedAt: null, plannedReturnOn: null, ...(m.status === "LEFT" || m.status === "DECLINED" ? {} : { status: "LEFT", leftAt: now }) },
      });
    }
    tx.log.info({ personId: viewer.personId, memberships: memberships.length }, "person erased at their request");
    return Object.assign(new Forgotten(), { erasedAt: now, anonymisedMemberships: memberships.length });
  });
}
