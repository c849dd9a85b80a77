// Public figures: what anonymous callers and other banks' members read about a bank (the
// directory's memberCount). The bank's own members see their exact count (they can count each
// other anyway); everyone else gets the count as it stood at the start of the day (UTC),
// perturbed by the cell key method with the statistics' ptable (stats.ptable.ts), so that:
// - a count of 1 or 2 is never published, and no published count is more than 3 off;
// - the figure changes at most once a day: a member pausing or leaving shows only tomorrow,
//   mixed with everything else that changed, and then with fresh noise (the cell's records,
//   and so its key, changed);
// - asking again, or through another path, gives the same figure (same records, same key).
import DataLoader from "dataloader";
import type { RequestContext } from "../../context/context";
import { everyBank } from "../../db/bank-scope";
import { buildPtable, publishedCount } from "./stats.ptable";

const PTABLE = buildPtable();

/** The start of the UTC day of `now`. */
export function dayStartOf(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** True when the viewer is an active or paused member of the bank. */
function isInsider(ctx: RequestContext, timebankId: string): boolean {
  return !!ctx.viewer?.memberships.some((m) => m.timebankId === timebankId && (m.status === "ACTIVE" || m.status === "PAUSED"));
}

// One loader per request: the day is the request's, and banks listed together are read in one statement.
const publicCounts = new WeakMap<RequestContext, DataLoader<string, number>>();

function publicCountLoader(ctx: RequestContext): DataLoader<string, number> {
  let loader = publicCounts.get(ctx);
  if (!loader) {
    const dayStart = dayStartOf(ctx.clock.now());
    loader = new DataLoader<string, number>(async (ids) => {
      // Members active at the start of the day: joined before it, and active now or gone only since.
      const rows = await everyBank(() =>
        ctx.db.$queryRawUnsafe<{ id: string; n: number; keys: number }[]>(
          `SELECT "timebankId"::text AS id, count(*)::int AS n, COALESCE(sum("statsKey"), 0)::float8 AS keys
           FROM "Membership"
           WHERE "timebankId" = ANY($1::uuid[]) AND "joinedAt" < $2
             AND (status = 'ACTIVE' OR (status = 'PAUSED' AND "pausedAt" >= $2) OR (status = 'LEFT' AND "leftAt" >= $2))
           GROUP BY 1`,
          [...ids],
          dayStart,
        ),
      );
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => {
        const r = byId.get(id);
        if (!r) return 0;
        const key = r.keys - Math.floor(r.keys);
        return publishedCount(PTABLE, r.n, key);
      });
    });
    publicCounts.set(ctx, loader);
  }
  return loader;
}

/** A bank's number of active members as this viewer may read it (see the top of this file). */
export function memberCountFor(ctx: RequestContext, timebankId: string): Promise<number> {
  return isInsider(ctx, timebankId) ? ctx.loaders.activeMemberCountByTimebank.load(timebankId) : publicCountLoader(ctx).load(timebankId);
}
