// Calendar months in a bank's time zone: a statement for "2026-10" in Copenhagen starts at local
// midnight on 1 October, not at UTC midnight.
import { badInput } from "../../common/errors";

/** Minutes the zone is ahead of UTC at the given instant. */
function offsetMinutes(instant: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(instant);
  const n = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const local = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return Math.round((local - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The instant of local midnight starting the given day in the zone. */
export function localMidnight(year: number, monthIndex: number, day: number, timeZone: string): Date {
  const guess = Date.UTC(year, monthIndex, day);
  // Twice: the offset at the guess may differ from the offset at the answer across a DST change.
  let instant = guess - offsetMinutes(new Date(guess), timeZone) * 60_000;
  instant = guess - offsetMinutes(new Date(instant), timeZone) * 60_000;
  return new Date(instant);
}

/** "2026-10" -> [start of October, start of November) in the zone. */
export function monthPeriod(month: string, timeZone: string): { from: Date; to: Date } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month.trim());
  if (!m) throw badInput("month must look like 2026-10", "month");
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return {
    from: localMidnight(year, index, 1, timeZone),
    to: localMidnight(index === 11 ? year + 1 : year, (index + 1) % 12, 1, timeZone),
  };
}
