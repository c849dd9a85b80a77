// Probation services and courts follow the community-service orders they supervise, in every
// bank where one is served: the order, the hours the bank confirmed, completion. Nothing else
// of the person: no account, no other work, no profile, no membership id. The bank records
// completion (capacity.service.ts); an officer acknowledges it here.
import type { ServiceCommitment as CommitmentRow } from "../../generated/prisma/client";
import { errorResult, forbidden, notFound } from "../../common/errors";
import * as v from "../../common/validation";
import { bankContext, inTransaction, requireViewer, type RequestContext } from "../../context/context";
import { everyBank } from "../../db/bank-scope";
import { commitmentProgress, todayIn } from "./capacity.rules";
import { toDay } from "./capacity.facts";
import { CompletionNotAcknowledgeable, type SupervisedCommitment } from "./capacity.type";

const SUPERVISING_KINDS = ["PROBATION", "COURT"] as const;

/** The probation services and courts the viewer is an officer (delegate) of. */
async function officerInstitutionIds(ctx: RequestContext): Promise<string[]> {
  const viewer = requireViewer(ctx);
  const rows = await ctx.db.institutionDelegate.findMany({
    where: { personId: viewer.personId, institution: { kind: { in: [...SUPERVISING_KINDS] } } },
    select: { institutionId: true },
  });
  if (rows.length === 0) throw forbidden("only officers of a probation service or court follow community-service orders");
  return rows.map((r) => r.institutionId);
}

type Row = CommitmentRow & { membership: { person: { displayName: string }; timebank: { name: string; timezone: string } } };

/**
 * The rows are read across banks on purpose: the access rule is the supervising institution,
 * not a membership (an officer belongs to none of these banks).
 */
async function supervisedRows(ctx: RequestContext, institutionIds: string[], id?: string): Promise<Row[]> {
  return everyBank(() =>
    ctx.db.serviceCommitment.findMany({
      where: { supervisingInstitutionId: { in: institutionIds }, ...(id ? { id } : {}) },
      include: {
        membership: { select: { person: { select: { displayName: true } }, timebank: { select: { name: true, timezone: true } } } },
      },
      orderBy: [{ dueOn: "asc" }, { createdAt: "asc" }],
      take: 500,
    }),
  ) as Promise<Row[]>;
}

async function views(ctx: RequestContext, rows: Row[]): Promise<SupervisedCommitment[]> {
  if (rows.length === 0) return [];
  const logs = await everyBank(() =>
    ctx.db.workLog.findMany({
      where: { OR: rows.map((r) => ({ timebankId: r.timebankId, serviceCommitmentId: r.id })) },
      select: { serviceCommitmentId: true, workDate: true, minutes: true, confirmedAt: true },
      orderBy: { workDate: "asc" },
    }),
  );
  const now = ctx.clock.now();
  return rows.map((c) => {
    const own = logs.filter((l) => l.serviceCommitmentId === c.id);
    const confirmed = own.filter((l) => l.confirmedAt !== null);
    const confirmedMinutes = confirmed.reduce((n, l) => n + l.minutes, 0);
    const progress = commitmentProgress(c.requiredMinutes, confirmedMinutes, toDay(c.dueOn), todayIn(c.membership.timebank.timezone, now));
    return {
      id: c.id,
      title: c.title,
      personName: c.membership.person.displayName,
      bankName: c.membership.timebank.name,
      requiredMinutes: c.requiredMinutes,
      dueOn: toDay(c.dueOn),
      status: c.status,
      confirmedMinutes,
      loggedMinutes: own.reduce((n, l) => n + l.minutes, 0),
      remainingMinutes: progress.remainingMinutes,
      overdue: progress.overdue,
      confirmedLogs: confirmed.map((l) => ({ date: toDay(l.workDate), minutes: l.minutes })),
      completedAt: c.completedAt,
      acknowledgedAt: c.acknowledgedAt,
      institutionId: c.supervisingInstitutionId!,
    };
  });
}

/** Every order the viewer's probation services and courts supervise, across banks. */
export async function supervisedServiceCommitments(ctx: RequestContext): Promise<SupervisedCommitment[]> {
  const ids = await officerInstitutionIds(ctx);
  return views(ctx, await supervisedRows(ctx, ids));
}

/** The officer acknowledges the completion the bank recorded, once. */
export async function acknowledgeServiceCompletion(
  ctx: RequestContext,
  rawId: string,
): Promise<SupervisedCommitment | CompletionNotAcknowledgeable> {
  const id = v.id(rawId, "id");
  const ids = await officerInstitutionIds(ctx);
  const [row] = await supervisedRows(ctx, ids, id);
  if (!row) throw notFound("service commitment");
  const bank = await ctx.db.timebank.findUniqueOrThrow({ where: { id: row.timebankId } });
  const moved = await inTransaction(bankContext(ctx, bank), (tx) =>
    tx.db.serviceCommitment.updateMany({
      where: { timebankId: row.timebankId, id: row.id, status: "COMPLETED", acknowledgedAt: null },
      data: { acknowledgedAt: tx.clock.now(), acknowledgedById: ctx.viewer!.personId },
    }),
  );
  const [fresh] = await supervisedRows(ctx, ids, id);
  if (moved.count !== 1) {
    const message =
      fresh.status !== "COMPLETED"
        ? "the bank has not recorded the completion of this order yet"
        : "this completion was already acknowledged";
    return errorResult(CompletionNotAcknowledgeable, fresh.status !== "COMPLETED" ? "NOT_COMPLETED" : "ALREADY_ACKNOWLEDGED", message);
  }
  return (await views(ctx, [fresh]))[0];
}
