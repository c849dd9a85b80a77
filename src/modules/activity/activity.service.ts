// Group activities: a host, a date, places, sign-ups with a waiting list (the first waiting
// member moves up when someone cancels) and attendance confirmed by a coordinator. Recording the
// hours is the ledger's group exchange (see confirmAttendance). Filtered by the context's bank.
import type { Activity, ActivitySignup } from "../../generated/prisma/client";
import type { Db } from "../../db/database";
import { badInput, forbidden, notFound, type ErrorResult } from "../../common/errors";
import { recordGroupExchange } from "../ledger/ledger.service";
import * as v from "../../common/validation";
import { bankContext, inTransaction, type BankContext, type RequestContext, inBank } from "../../context/context";
import { isInsider, isStaff, membershipIn, requireStaff } from "../../context/access";
import type { ActivityInput } from "./activity.type";

/** Coordinators plan an activity. */
export async function createActivity(ctx: BankContext, input: ActivityInput): Promise<Activity> {
  const me = requireStaff(ctx);
  const title = v.text(input.title, "title", { min: 2, max: 120 });
  const description = v.optionalText(input.description, "description", 2000) ?? "";
  const durationMinutes = v.intInRange(input.durationMinutes, "durationMinutes", 15, 1440);
  const places = v.intInRange(input.places, "places", 1, 1000);
  if (!(input.startsAt instanceof Date) || Number.isNaN(input.startsAt.getTime()))
    throw badInput("startsAt is not a valid time", "startsAt");
  if (input.startsAt.getTime() < ctx.clock.now().getTime()) throw badInput("startsAt is in the past", "startsAt");
  let hostId = me.membershipId;
  if (input.hostId) {
    const host = await ctx.db.membership.findUnique({ where: { timebankId_id: { ...inBank(ctx), id: v.id(input.hostId, "hostId") } } });
    if (!host || host.status !== "ACTIVE") throw badInput(`the host must be an active member of ${ctx.bank.slug}`, "hostId");
    hostId = host.id;
  }
  return ctx.db.activity.create({
    data: {
      ...inBank(ctx),
      kind: input.kind,
      title,
      description,
      startsAt: input.startsAt,
      durationMinutes,
      places,
      hostId,
      createdAt: ctx.clock.now(),
    },
  });
}

export async function upcomingActivities(ctx: BankContext): Promise<Activity[]> {
  if (!isInsider(ctx.membership)) throw notFound(`activities of ${ctx.bank.slug}`);
  return ctx.db.activity.findMany({
    where: { ...inBank(ctx), status: "PLANNED", startsAt: { gte: ctx.clock.now() } },
    orderBy: { startsAt: "asc" },
    take: 100,
  });
}

async function findActivity(ctx: RequestContext, rawId: string): Promise<{ activity: Activity; bank: BankContext }> {
  const id = v.id(rawId, "activityId");
  const activity = await ctx.db.activity.findFirst({ where: { id } });
  if (!activity || !isInsider(membershipIn(ctx.viewer, activity.timebankId))) throw notFound("activity");
  const bank = await ctx.loaders.timebankById.load(activity.timebankId);
  return { activity, bank: bankContext(ctx, bank!) };
}

export async function getActivity(ctx: RequestContext, id: string): Promise<Activity> {
  return (await findActivity(ctx, id)).activity;
}

async function lockActivity(ctx: BankContext, id: string): Promise<Activity> {
  await ctx.db.$queryRaw`SELECT 1 FROM "Activity" WHERE "timebankId" = ${ctx.bank.id}::uuid AND "id" = ${id}::uuid FOR UPDATE`;
  return ctx.db.activity.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(ctx), id } } });
}

/** An active member signs up: a place if one is free, else the waiting list. */
export async function signUpForActivity(ctx: RequestContext, activityId: string): Promise<ActivitySignup> {
  const { activity, bank } = await findActivity(ctx, activityId);
  const me = bank.membership!;
  if (me.status !== "ACTIVE") throw forbidden("paused members cannot sign up; resume your membership first");
  return inTransaction(bank, async (tx) => {
    // The activity row lock orders sign-ups and cancellations, so places are never over-given.
    const current = await lockActivity(tx, activity.id);
    if (current.status !== "PLANNED" || current.startsAt.getTime() < tx.clock.now().getTime())
      throw badInput("this activity is not open for sign-ups", "activityId");
    const key = { ...inBank(tx), activityId: activity.id, membershipId: me.membershipId };
    const existing = await tx.db.activitySignup.findUnique({ where: { timebankId_activityId_membershipId: key } });
    if (existing && existing.status !== "CANCELLED") return existing;
    const taken = await tx.db.activitySignup.count({ where: { ...inBank(tx), activityId: activity.id, status: "SIGNED_UP" } });
    const status = taken < current.places ? ("SIGNED_UP" as const) : ("WAITING" as const);
    const data = { status, signedUpAt: tx.clock.now(), attendedAt: null, confirmedById: null };
    return tx.db.activitySignup.upsert({ where: { timebankId_activityId_membershipId: key }, create: { ...key, ...data }, update: data });
  });
}

/** A member cancels; if they had a place, the first on the waiting list gets it. */
export async function cancelActivitySignup(ctx: RequestContext, activityId: string): Promise<ActivitySignup> {
  const { activity, bank } = await findActivity(ctx, activityId);
  const me = bank.membership!;
  return inTransaction(bank, async (tx) => {
    await lockActivity(tx, activity.id);
    const key = { ...inBank(tx), activityId: activity.id, membershipId: me.membershipId };
    const existing = await tx.db.activitySignup.findUnique({ where: { timebankId_activityId_membershipId: key } });
    if (!existing || existing.status === "CANCELLED") throw badInput("you are not signed up for this activity", "activityId");
    const cancelled = await tx.db.activitySignup.update({
      where: { timebankId_activityId_membershipId: key },
      data: { status: "CANCELLED" },
    });
    if (existing.status === "SIGNED_UP") await promoteFromWaitingList(tx.db, tx.bank.id, activity.id);
    return cancelled;
  });
}

/**
 * Gives a freed place to the first member on the waiting list, if any. The caller holds the
 * activity row lock (see lockActivity) inside its transaction.
 */
export async function promoteFromWaitingList(db: Db, timebankId: string, activityId: string): Promise<void> {
  const next = await db.activitySignup.findFirst({
    where: { timebankId, activityId, status: "WAITING" },
    orderBy: [{ signedUpAt: "asc" }, { membershipId: "asc" }],
  });
  if (next) {
    await db.activitySignup.update({
      where: { timebankId_activityId_membershipId: { timebankId, activityId, membershipId: next.membershipId } },
      data: { status: "SIGNED_UP" },
    });
  }
}

/** Sign-ups in order: places first, then the waiting list. Insiders of the bank. */
export async function signupsOf(ctx: RequestContext, activity: Pick<Activity, "id" | "timebankId">): Promise<ActivitySignup[]> {
  if (!isInsider(membershipIn(ctx.viewer, activity.timebankId))) return [];
  const rows = await ctx.db.activitySignup.findMany({
    where: { timebankId: activity.timebankId, activityId: activity.id, status: { in: ["SIGNED_UP", "WAITING"] } },
    orderBy: [{ signedUpAt: "asc" }, { membershipId: "asc" }],
  });
  return [...rows.filter((r) => r.status === "SIGNED_UP"), ...rows.filter((r) => r.status === "WAITING")];
}

/**
 * Coordinators confirm who attended, once the activity has started; the activity is HELD.
 * Attendance is recorded here; the hours are the ledger's group exchange, which the lead wires
 * in once the ledger is merged (one call in this transaction, see the participation report).
 */
function checkAttendanceCanBeConfirmed(a: Pick<Activity, "status" | "startsAt">, now: Date): void {
  if (a.status === "CANCELLED") throw badInput("this activity was cancelled", "activityId");
  if (a.status === "HELD") throw badInput("attendance of this activity was already confirmed", "activityId");
  if (a.startsAt.getTime() > now.getTime()) throw badInput("attendance is confirmed after the activity has started", "activityId");
}

/**
 * The hours of a held activity, as legs of one group exchange paid by the community pot: the
 * host always gave the activity; at a work party every attendee worked for the neighbourhood.
 * At meals and cafés the attendees were guests: their time is not counted.
 */
export function attendanceLegs(activity: Pick<Activity, "kind" | "hostId" | "durationMinutes">, attendeeIds: string[]) {
  const workers = activity.kind === "WORK_PARTY" ? attendeeIds.filter((id) => id !== activity.hostId) : [];
  return [activity.hostId, ...workers].map((giverMemberId) => ({
    giverMemberId,
    receiverMemberId: null,
    minutes: activity.durationMinutes,
  }));
}

/**
 * Coordinators confirm who attended; the activity becomes HELD and the ledger records the hours
 * for everyone in one go. The hours are posted first under a key of the activity, so a retry
 * after a failure in between posts nothing twice; a refusal of the ledger changes nothing.
 */
export async function confirmAttendance(ctx: RequestContext, activityId: string, attendeeIds: string[]): Promise<Activity | ErrorResult> {
  const { activity, bank } = await findActivity(ctx, activityId);
  if (!isStaff(bank.membership)) throw forbidden("only the bank's coordinators can confirm attendance");
  if (attendeeIds.length === 0 || attendeeIds.length > 1000) throw badInput("name 1 to 1000 attendees", "attendeeIds");
  const ids = [...new Set(attendeeIds.map((id) => v.id(id, "attendeeIds")))];
  checkAttendanceCanBeConfirmed(activity, ctx.clock.now());
  const signedUp = await bank.db.activitySignup.count({
    where: { timebankId: bank.bank.id, activityId: activity.id, membershipId: { in: ids }, status: "SIGNED_UP" },
  });
  if (signedUp !== ids.length) throw badInput("every attendee must have had a place (signed up, not waiting or cancelled)", "attendeeIds");
  const hours = await recordGroupExchange(ctx, {
    timebank: bank.bank.slug,
    idempotencyKey: `activity-attendance:${activity.id}`,
    memo: activity.title.slice(0, 200),
    legs: attendanceLegs(activity, ids),
  });
  if (!("transfers" in hours)) return hours;
  return inTransaction(bank, async (tx) => {
    const current = await lockActivity(tx, activity.id);
    // A concurrent confirmation may have won since the checks above: the hours it posted are
    // the ones under the same key, so nothing is counted twice.
    if (current.status === "HELD") return current;
    checkAttendanceCanBeConfirmed(current, tx.clock.now());
    const signups = await tx.db.activitySignup.findMany({
      where: { ...inBank(tx), activityId: activity.id, membershipId: { in: ids }, status: "SIGNED_UP" },
    });
    if (signups.length !== ids.length)
      throw badInput("every attendee must have had a place (signed up, not waiting or cancelled)", "attendeeIds");
    const now = tx.clock.now();
    await tx.db.activitySignup.updateMany({
      where: { ...inBank(tx), activityId: activity.id, membershipId: { in: ids } },
      data: { attendedAt: now, confirmedById: ctx.viewer!.personId },
    });
    return tx.db.activity.update({ where: { timebankId_id: { ...inBank(tx), id: activity.id } }, data: { status: "HELD" } });
  });
}
