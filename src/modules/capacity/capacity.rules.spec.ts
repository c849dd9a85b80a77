// errors.ts declares type-graphql types, which need the metadata polyfill loaded first.
import "reflect-metadata";
import fc from "fast-check";
import {
  absenceRefusal,
  addDays,
  automaticDeposit,
  breaksLimit,
  derivedWeek,
  periodOf,
  balanceOf,
  capacityOn,
  commitmentProgress,
  mayWithdraw,
  parseBankDate,
  parseClockTime,
  policyOn,
  scheduleInForce,
  statement,
  weekdayIndex,
  workTime,
  type DatedMinutes,
  type ScheduleFact,
  type TimeAccountFacts,
  type WeeklyMinutes,
} from "./capacity.rules";

const H = 60;
/** 80% position: Monday to Thursday 08:00-16:00 with 30 minutes lunch = 7.5 h; Friday off. */
const EIGHTY_PERCENT: WeeklyMinutes = [450, 450, 450, 450, 0, 0, 0];
const orgDefault = (effectiveFrom: string, weekdayMinutes: WeeklyMinutes): ScheduleFact => ({
  effectiveFrom,
  personal: false,
  weekdayMinutes,
});
const override = (effectiveFrom: string, weekdayMinutes: WeeklyMinutes): ScheduleFact => ({
  effectiveFrom,
  personal: true,
  weekdayMinutes,
});
const facts = (f: Partial<TimeAccountFacts>): TimeAccountFacts => ({
  schedules: [],
  policies: [],
  logs: [],
  deposits: [],
  withdrawals: [],
  ...f,
});

describe("the worked example (80% position, 7.5 h Monday to Thursday)", () => {
  // 2026-11-16 is a Monday.
  const day = (start: string, end: string, breakMinutes: number) => workTime({ start, end, breakMinutes }).minutes;
  const week: DatedMinutes[] = [
    { date: "2026-11-16", minutes: day("08:00", "16:00", 30) },
    { date: "2026-11-17", minutes: day("08:00", "16:00", 30) },
    { date: "2026-11-18", minutes: day("08:00", "16:00", 30) },
    { date: "2026-11-18", minutes: day("16:00", "18:00", 0) }, // asked to stay two extra hours
    { date: "2026-11-19", minutes: day("08:00", "16:00", 30) },
  ];
  const base = facts({ schedules: [orgDefault("2026-01-01", EIGHTY_PERCENT)], logs: week });

  it("08:00-16:00 with 30 minutes lunch is 7.5 hours, 30 hours a week", () => {
    expect(day("08:00", "16:00", 30)).toBe(7.5 * H);
    expect(EIGHTY_PERCENT.reduce((a, b) => a + b, 0)).toBe(30 * H);
  });

  it("32 hours worked with 2 extra on Wednesday gives +2 h", () => {
    expect(week.reduce((a, l) => a + l.minutes, 0)).toBe(32 * H);
    expect(balanceOf(base)).toEqual({
      depositedMinutes: 2 * H,
      withdrawnMinutes: 0,
      payoutMinutes: 0,
      correctionMinutes: 0,
      balanceMinutes: 2 * H,
    });
  });

  it("2 hours on Friday (capacity 0) are all deposited: +2 h more", () => {
    const withFriday = facts({ ...base, logs: [...week, { date: "2026-11-20", minutes: 2 * H }] });
    expect(balanceOf(withFriday).balanceMinutes).toBe(4 * H);
  });

  it("4 hours of approved time off are withdrawn, and a Monday with 0 hours withdraws nothing", () => {
    const all = facts({
      ...base,
      logs: [...week, { date: "2026-11-20", minutes: 2 * H }, { date: "2026-11-23", minutes: 0 }],
      withdrawals: [{ date: "2026-11-24", minutes: 4 * H }],
    });
    const s = statement(all, "2026-11-16", "2026-11-24");
    expect(
      s.days.map((d) => [d.date, d.capacityMinutes, d.loggedMinutes, d.depositedMinutes, d.withdrawnMinutes, d.balanceMinutes]),
    ).toEqual([
      ["2026-11-16", 450, 450, 0, 0, 0],
      ["2026-11-17", 450, 450, 0, 0, 0],
      ["2026-11-18", 450, 570, 120, 0, 120],
      ["2026-11-19", 450, 450, 0, 0, 120],
      ["2026-11-20", 0, 120, 120, 0, 240],
      ["2026-11-21", 0, 0, 0, 0, 240],
      ["2026-11-22", 0, 0, 0, 0, 240],
      ["2026-11-23", 450, 0, 0, 0, 240],
      ["2026-11-24", 450, 0, 0, 240, 0],
    ]);
    expect(s.totals).toEqual({
      capacityMinutes: 6 * 450,
      loggedMinutes: 34 * H,
      depositedMinutes: 4 * H,
      withdrawnMinutes: 4 * H,
      absenceMinutes: 0,
      payoutMinutes: 0,
      correctionMinutes: 0,
    });
    expect(s.closingBalanceMinutes).toBe(0);
    expect(balanceOf(all)).toEqual({
      depositedMinutes: 4 * H,
      withdrawnMinutes: 4 * H,
      payoutMinutes: 0,
      correctionMinutes: 0,
      balanceMinutes: 0,
    });
  });
});

describe("capacity in force", () => {
  it("a change from a date applies from that date only", () => {
    const schedules = [orgDefault("2026-01-01", EIGHTY_PERCENT), orgDefault("2026-11-18", [480, 480, 480, 480, 480, 0, 0])];
    expect(capacityOn(schedules, "2026-11-17")).toBe(450);
    expect(capacityOn(schedules, "2026-11-18")).toBe(480);
    expect(capacityOn(schedules, "2026-11-20")).toBe(480);
    expect(capacityOn(schedules, "2025-12-31")).toBe(0);
  });

  it("a person's override beats the organisation default once in force, whatever the dates of the defaults", () => {
    const schedules = [
      orgDefault("2026-01-01", EIGHTY_PERCENT),
      override("2026-06-01", [300, 300, 300, 300, 300, 0, 0]),
      orgDefault("2026-09-01", [480, 480, 480, 480, 480, 0, 0]),
    ];
    expect(capacityOn(schedules, "2026-05-28")).toBe(450); // a Thursday
    expect(capacityOn(schedules, "2026-06-01")).toBe(300);
    expect(capacityOn(schedules, "2026-09-01")).toBe(300);
    expect(scheduleInForce(schedules, "2026-09-02")?.personal).toBe(true);
  });

  it("the meter is on by default and switches from a date", () => {
    const policies = [{ effectiveFrom: "2026-11-18", meterOn: false, negativeBalanceLimitMinutes: 120 }];
    expect(policyOn(policies, "2026-11-17")).toEqual({ meterOn: true, negativeBalanceLimitMinutes: 0 });
    expect(policyOn(policies, "2026-11-18")).toEqual({ meterOn: false, negativeBalanceLimitMinutes: 120 });
  });

  it("manual mode ignores logged hours; approved manual deposits count", () => {
    const f = facts({
      schedules: [orgDefault("2026-01-01", EIGHTY_PERCENT)],
      policies: [{ effectiveFrom: "2026-11-18", meterOn: false, negativeBalanceLimitMinutes: 0 }],
      logs: [
        { date: "2026-11-17", minutes: 510 },
        { date: "2026-11-18", minutes: 600 },
      ],
      deposits: [{ date: "2026-11-19", minutes: 45 }],
    });
    // Tuesday's hour (meter on) stays; Wednesday's 2.5 extra hours (meter off) do not count.
    expect(balanceOf(f).balanceMinutes).toBe(60 + 45);
  });

  it("deposits only are automatic", () => {
    expect(automaticDeposit(450, 300, true)).toBe(0);
    expect(automaticDeposit(450, 451, true)).toBe(1);
    expect(automaticDeposit(0, 90, true)).toBe(90);
    expect(automaticDeposit(0, 90, false)).toBe(0);
  });
});

describe("work times", () => {
  it("subtracts the break from start and end, or takes minutes as given", () => {
    expect(workTime({ start: "16:00", end: "18:00" })).toEqual({ minutes: 120, startMinute: 960, endMinute: 1080, breakMinutes: 0 });
    expect(workTime({ start: "22:00", end: "24:00", breakMinutes: 120 }).minutes).toBe(0);
    expect(workTime({ minutes: 0 }).minutes).toBe(0);
  });

  it.each([
    [{ minutes: -30 }, /negative/],
    [{ start: "08:00", end: "16:00", breakMinutes: 481 }, /break is longer/],
    [{ start: "08:00", end: "16:00", breakMinutes: -5 }, /negative/],
    [{ start: "16:00", end: "08:00" }, /end is before start/],
    [{ start: "08:00", end: "08:00" }, /end is before start/],
    [{ start: "08:00" }, /both start and end/],
    [{ minutes: 60, start: "08:00", end: "09:00" }, /either/],
    [{ minutes: 60, breakMinutes: 30 }, /break/],
    [{ minutes: 1441 }, /1440/],
    [{ start: "8:00", end: "09:00" }, /time like/],
    [{ start: "08:60", end: "09:00" }, /time like/],
  ])("refuses %j", (input, message) => {
    expect(() => workTime(input)).toThrow(message);
  });

  it("reads clock times", () => {
    expect(parseClockTime("00:00", "start")).toBe(0);
    expect(parseClockTime("24:00", "end")).toBe(1440);
    expect(() => parseClockTime("24:30", "end")).toThrow();
  });
});

describe("dates in the bank's time zone", () => {
  const oslo = "Europe/Oslo";

  it("accepts a plain date, or one carrying the bank's own offset", () => {
    expect(parseBankDate("2026-11-16", oslo, "date")).toBe("2026-11-16");
    expect(parseBankDate("2026-11-16+01:00", oslo, "date")).toBe("2026-11-16");
    expect(parseBankDate("2026-07-16+02:00", oslo, "date")).toBe("2026-07-16");
    expect(parseBankDate("2026-11-16T23:30:00+01:00", oslo, "date")).toBe("2026-11-16");
    expect(parseBankDate("2026-11-16Z", "UTC", "date")).toBe("2026-11-16");
    // The day clocks go back: both offsets occur on it.
    expect(parseBankDate("2026-10-25+02:00", oslo, "date")).toBe("2026-10-25");
    expect(parseBankDate("2026-10-25+01:00", oslo, "date")).toBe("2026-10-25");
  });

  it("refuses a date in another time zone, and things that are not dates", () => {
    expect(() => parseBankDate("2026-11-16-05:00", oslo, "date")).toThrow(/another time zone/);
    expect(() => parseBankDate("2026-11-16T08:00:00Z", oslo, "date")).toThrow(/another time zone/);
    expect(() => parseBankDate("2026-07-16+01:00", oslo, "date")).toThrow(/another time zone/);
    expect(() => parseBankDate("2026-02-30", oslo, "date")).toThrow(/real date/);
    expect(() => parseBankDate("16/11/2026", oslo, "date")).toThrow(/like 2026-11-16/);
  });

  it("knows weekdays", () => {
    expect(weekdayIndex("2026-11-16")).toBe(0);
    expect(weekdayIndex("2026-11-22")).toBe(6);
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
  });
});

describe("withdrawals and commitments", () => {
  it("refuses time off beyond the balance unless a negative limit allows it", () => {
    expect(mayWithdraw(240, 240, 0)).toBe(true);
    expect(mayWithdraw(240, 241, 0)).toBe(false);
    expect(mayWithdraw(240, 360, 120)).toBe(true);
    expect(mayWithdraw(240, 361, 120)).toBe(false);
  });

  it("shows progress of a community-service order", () => {
    expect(commitmentProgress(600, 240, "2026-12-01", "2026-11-20")).toEqual({
      loggedMinutes: 240,
      remainingMinutes: 360,
      fulfilled: false,
      overdue: false,
      percentDone: 40,
    });
    expect(commitmentProgress(600, 240, "2026-12-01", "2026-12-02").overdue).toBe(true);
    expect(commitmentProgress(600, 700, "2026-12-01", "2026-12-02")).toMatchObject({
      remainingMinutes: 0,
      fulfilled: true,
      overdue: false,
      percentDone: 100,
    });
  });

  it("refuses a statement that ends before it starts", () => {
    expect(() => statement(facts({}), "2026-11-20", "2026-11-19")).toThrow(/ends before/);
  });
});

// ----- properties ------------------------------------------------------------------------------

const START = "2026-01-01";
const dateArb = fc.integer({ min: 0, max: 59 }).map((n) => addDays(START, n));
const minutesArb = fc.integer({ min: 0, max: 1440 });
const weekArb = fc.tuple(minutesArb, minutesArb, minutesArb, minutesArb, minutesArb, minutesArb, minutesArb) as fc.Arbitrary<WeeklyMinutes>;
const datedArb = (min: number) => fc.array(fc.record({ date: dateArb, minutes: fc.integer({ min, max: 1440 }) }), { maxLength: 25 });
const factsArb: fc.Arbitrary<TimeAccountFacts> = fc.record({
  schedules: fc.array(fc.record({ effectiveFrom: dateArb, personal: fc.boolean(), weekdayMinutes: weekArb }), { maxLength: 4 }),
  policies: fc.array(
    fc.record({ effectiveFrom: dateArb, meterOn: fc.boolean(), negativeBalanceLimitMinutes: fc.integer({ min: 0, max: 600 }) }),
    { maxLength: 3 },
  ),
  logs: datedArb(0),
  deposits: datedArb(1),
  withdrawals: datedArb(1),
});
const END = addDays(START, 59);

describe("properties of the derived balance", () => {
  it("balance = deposits - withdrawals, and the statement agrees with it", () => {
    fc.assert(
      fc.property(factsArb, (f) => {
        const b = balanceOf(f);
        const s = statement(f, START, END);
        expect(b.balanceMinutes).toBe(b.depositedMinutes - b.withdrawnMinutes);
        expect(s.openingBalanceMinutes).toBe(0);
        expect(s.closingBalanceMinutes).toBe(b.balanceMinutes);
        expect(s.totals.depositedMinutes).toBe(b.depositedMinutes);
        expect(s.totals.withdrawnMinutes).toBe(f.withdrawals.reduce((a, w) => a + w.minutes, 0));
      }),
    );
  });

  it("deposits are never negative, and never more than what was logged beyond capacity plus manual deposits", () => {
    fc.assert(
      fc.property(factsArb, (f) => {
        for (const d of statement(f, START, END).days) {
          expect(d.automaticDepositMinutes).toBeGreaterThanOrEqual(0);
          expect(d.automaticDepositMinutes).toBeLessThanOrEqual(Math.max(0, d.loggedMinutes - d.capacityMinutes));
          expect(d.depositedMinutes).toBe(d.automaticDepositMinutes + d.manualDepositMinutes);
        }
      }),
    );
  });

  it("splitting a period in two chains the balances", () => {
    fc.assert(
      fc.property(factsArb, fc.integer({ min: 0, max: 58 }), (f, cut) => {
        const mid = addDays(START, cut);
        const first = statement(f, START, mid);
        const second = statement(f, addDays(mid, 1), END);
        expect(second.openingBalanceMinutes).toBe(first.closingBalanceMinutes);
        expect(second.closingBalanceMinutes).toBe(statement(f, START, END).closingBalanceMinutes);
      }),
    );
  });

  it("logging more never lowers the balance; with the meter off logs change nothing", () => {
    fc.assert(
      fc.property(factsArb, dateArb, fc.integer({ min: 1, max: 600 }), (f, date, extra) => {
        const more = { ...f, logs: [...f.logs, { date, minutes: extra }] };
        expect(balanceOf(more).balanceMinutes).toBeGreaterThanOrEqual(balanceOf(f).balanceMinutes);
        const manual = { ...f, policies: [{ effectiveFrom: START, meterOn: false, negativeBalanceLimitMinutes: 0 }] };
        expect(balanceOf({ ...manual, logs: more.logs })).toEqual(balanceOf({ ...manual, logs: [] }));
      }),
    );
  });

  it("a capacity change from a date leaves every earlier day as it was", () => {
    fc.assert(
      fc.property(factsArb, dateArb, weekArb, fc.boolean(), (f, from, week, personal) => {
        const changed = { ...f, schedules: [...f.schedules, { effectiveFrom: from, personal, weekdayMinutes: week }] };
        const before = addDays(from, -1);
        if (before < START) return;
        expect(statement(changed, START, before).days).toEqual(statement(f, START, before).days);
      }),
    );
  });

  it("the result does not depend on the order the facts arrive in (an edited log is recomputed, not added twice)", () => {
    fc.assert(
      fc.property(factsArb, (f) => {
        const reversed = {
          ...f,
          logs: [...f.logs].reverse(),
          deposits: [...f.deposits].reverse(),
          withdrawals: [...f.withdrawals].reverse(),
        };
        expect(balanceOf(reversed)).toEqual(balanceOf(f));
      }),
    );
  });
});

describe("position percentage, absences, payouts, corrections, periods and limits", () => {
  // A full-time week of 37.5 h: Monday to Friday 7.5 h.
  const FULL_TIME: WeeklyMinutes = [450, 450, 450, 450, 450, 0, 0];

  it("80 % of a 37.5 h week is 30 h, 6 h a day when the default is scaled", () => {
    expect(derivedWeek(FULL_TIME, 80)).toEqual([360, 360, 360, 360, 360, 0, 0]);
    expect(derivedWeek(FULL_TIME, 80).reduce((a, b) => a + b, 0)).toBe(30 * H);
    const schedules = [orgDefault("2026-01-01", FULL_TIME)];
    expect(capacityOn(schedules, "2026-11-16", [{ effectiveFrom: "2026-01-01", percent: 80 }])).toBe(360);
    expect(capacityOn(schedules, "2026-11-16")).toBe(450);
  });

  it("a personal schedule beats the position unless the position was set from a later date", () => {
    const schedules = [orgDefault("2026-01-01", FULL_TIME), override("2026-06-01", EIGHTY_PERCENT)];
    const positions = [{ effectiveFrom: "2026-01-01", percent: 80 }];
    expect(capacityOn(schedules, "2026-05-29", positions)).toBe(360); // a Friday, before the override
    expect(capacityOn(schedules, "2026-06-05", positions)).toBe(0); // Hans's Friday off
    expect(capacityOn(schedules, "2026-06-04", positions)).toBe(450);
    const later = [...positions, { effectiveFrom: "2026-09-01", percent: 50 }];
    expect(capacityOn(schedules, "2026-09-04", later)).toBe(225); // a Friday: half of 7.5 h
  });

  it("sickness covers the planned time: a sick day and a worked day leave the balance alone; time off in lieu withdraws", () => {
    const schedules = [orgDefault("2026-01-01", EIGHTY_PERCENT)];
    const f = facts({
      schedules,
      logs: [{ date: "2026-11-17", minutes: 225 }],
      absences: [
        { date: "2026-11-16", minutes: 450, type: "SICKNESS" },
        { date: "2026-11-17", minutes: 225, type: "CHILD_SICKNESS" },
        { date: "2026-11-18", minutes: 450, type: "HOLIDAY" },
        { date: "2026-11-19", minutes: 120, type: "TIME_OFF_IN_LIEU" },
      ],
      withdrawals: [{ date: "2026-11-19", minutes: 120 }],
    });
    expect(balanceOf(f).balanceMinutes).toBe(-120);
    // Working the whole planned day on a day of time off in lieu: the absence is not needed, nothing is lost.
    const worked = facts({
      schedules,
      logs: [{ date: "2026-11-19", minutes: 450 }],
      absences: [{ date: "2026-11-19", minutes: 120, type: "TIME_OFF_IN_LIEU" }],
      withdrawals: [{ date: "2026-11-19", minutes: 120 }],
    });
    expect(balanceOf(worked).balanceMinutes).toBe(0);
  });

  it("payouts leave the account and corrections are signed", () => {
    const f = facts({
      schedules: [orgDefault("2026-01-01", EIGHTY_PERCENT)],
      logs: [{ date: "2026-11-20", minutes: 300 }],
      payouts: [{ date: "2026-11-23", minutes: 120 }],
      corrections: [{ date: "2026-11-24", minutes: -30 }],
    });
    expect(balanceOf(f)).toEqual({
      depositedMinutes: 300,
      withdrawnMinutes: 0,
      payoutMinutes: 120,
      correctionMinutes: -30,
      balanceMinutes: 150,
    });
    const s = statement(f, "2026-11-20", "2026-11-24");
    expect(s.days.map((d) => d.balanceMinutes)).toEqual([300, 300, 300, 180, 150]);
    expect(s.totals).toMatchObject({ payoutMinutes: 120, correctionMinutes: -30 });
  });

  it("time off fits within the day's plan; none on a day with nothing planned", () => {
    expect(absenceRefusal(450, 0, 450, "2026-11-16")).toBeNull();
    expect(absenceRefusal(450, 0, 600, "2026-11-16")).toMatch(/450 minutes are planned.*at most 450/);
    expect(absenceRefusal(450, 240, 240, "2026-11-16")).toMatch(/240 are already taken off: at most 210/);
    expect(absenceRefusal(0, 0, 60, "2026-11-20")).toMatch(/nothing is planned on 2026-11-20/);
  });

  it("a change is refused only when it lowers a balance below the limit", () => {
    expect(breaksLimit(0, -240, 180)).toBe(true);
    expect(breaksLimit(0, -180, 180)).toBe(false);
    expect(breaksLimit(-240, -200, 180)).toBe(false); // raising a balance that is already below
    expect(breaksLimit(120, 0, 0)).toBe(false);
  });

  it("weeks run Monday to Sunday, months from the first to the last day", () => {
    expect(periodOf("WEEK", "2026-11-19")).toEqual({ start: "2026-11-16", end: "2026-11-22" });
    expect(periodOf("WEEK", "2026-11-16")).toEqual({ start: "2026-11-16", end: "2026-11-22" });
    expect(periodOf("MONTH", "2026-11-19")).toEqual({ start: "2026-11-01", end: "2026-11-30" });
    expect(periodOf("MONTH", "2028-02-10")).toEqual({ start: "2028-02-01", end: "2028-02-29" });
    expect(periodOf("MONTH", "2026-12-31")).toEqual({ start: "2026-12-01", end: "2026-12-31" });
  });
});
