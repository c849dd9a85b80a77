import { readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, getNamedType, isInputObjectType, isObjectType, parse } from "graphql";
import { badDate, badText, checkInputs, DATE_INPUTS, latestDate } from "./input-bounds";

// The printed SDL of the server (kept current by tests/platform/schema.test.ts).
const schema = buildSchema(readFileSync(path.resolve(__dirname, "../../schema/schema.graphql"), "utf8"));
const today = new Date("2026-03-15T12:00:00Z");

describe("badText", () => {
  it("refuses NUL, control characters, DEL and lone surrogates; keeps tab, newlines and real pairs", () => {
    expect(badText("a\u0000b")).toMatch(/NUL/);
    expect(badText("esc \u001b[31m")).toMatch(/control/);
    expect(badText("del \u007f")).toMatch(/control/);
    expect(badText("lone \ud800 high")).toMatch(/surrogate/);
    expect(badText("lone \udc00 low")).toMatch(/surrogate/);
    expect(badText("line one\nline two\r\n\tindented")).toBeNull();
    expect(badText("emoji 😀 and æøå")).toBeNull();
  });
});

describe("badDate", () => {
  it("bounds days between 1900-01-01 and five years after today", () => {
    expect(latestDate(today)).toBe("2031-03-15");
    expect(badDate("1900-01-01", { kind: "date" }, today)).toBeNull();
    expect(badDate("1899-12-31", { kind: "date" }, today)).toMatch(/before 1900-01-01/);
    expect(badDate("0001-01-01", { kind: "date" }, today)).toMatch(/before/);
    expect(badDate("2031-03-15", { kind: "date" }, today)).toBeNull();
    expect(badDate("2031-03-16", { kind: "date" }, today)).toMatch(/after 2031-03-15/);
    expect(badDate("9999-12-31T00:00:00Z", "datetime", today)).toMatch(/after/);
    expect(badDate("0001-01-01T00:00:00Z", "datetime", today)).toMatch(/before/);
    expect(badDate("2026-03-15T09:00:00Z", "datetime", today)).toBeNull();
  });

  it("refuses empty strings, impossible days and the future where only the past makes sense", () => {
    expect(badDate("", { kind: "date" }, today)).toMatch(/YYYY-MM-DD/);
    expect(badDate("2026-02-30", { kind: "date" }, today)).toMatch(/calendar/);
    expect(badDate("2026-03-10+01:00", { kind: "date" }, today)).toBeNull(); // offsets and times are the services' to judge
    expect(badDate("2026-03-10T08:00:00Z", { kind: "date" }, today)).toBeNull();
    expect(badDate("0001-03-10T08:00:00Z", { kind: "date" }, today)).toMatch(/before/);
    expect(badDate("2026-03-101", { kind: "date" }, today)).toMatch(/YYYY-MM-DD/);
    expect(badDate("2026-13", { kind: "month" }, today)).toMatch(/YYYY-MM/);
    expect(badDate("2026-04-01", { kind: "date", notFuture: true }, today)).toMatch(/future/);
    expect(badDate("2026-03-16", { kind: "date", notFuture: true }, today)).toBeNull(); // a day of slack for time zones
    expect(badDate("1900-01-02", { kind: "date", yearsBack: 2 }, today)).toMatch(/before 2024-03-14/);
    expect(badDate("2026-03-13", { kind: "date", yearsBack: 0 }, today)).toMatch(/before 2026-03-14/);
  });
});

describe("checkInputs", () => {
  const check = (query: string, variables: Record<string, unknown> = {}) => checkInputs(schema, parse(query), variables, today);

  it("finds bad text in literals, variables and nested input objects, naming where", () => {
    expect(check(`mutation { logIn(input: { email: "a\\u0000@x.org", password: "p" }) { __typename } }`)?.extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "input.email",
    });
    const err = check(`mutation($i: CreatePostInput!) { createPost(timebank: "t", input: $i) { __typename } }`, {
      i: { title: "ok", tags: ["fine", "bad\ud800"] },
    });
    expect(err?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "$i.tags[1]" });
    expect(check(`{ timebanks { slug } }`)).toBeNull();
  });

  it("checks the dates of DATE_INPUTS and of every DateTimeISO input", () => {
    expect(check(`mutation { pauseMembership(memberId: "m", plannedReturnOn: "") { __typename } }`)?.message).toMatch(
      /plannedReturnOn must be a date/,
    );
    expect(
      check(`mutation($at: DateTimeISO!) { scheduleInterview(memberId: "m", scheduledAt: $at) { __typename } }`, {
        at: "0001-01-01T00:00:00Z",
      })?.message,
    ).toMatch(/before 1900/);
    expect(
      check(`mutation($at: DateTimeISO!) { scheduleInterview(memberId: "m", scheduledAt: $at) { __typename } }`, {
        at: "2026-04-01T10:00:00Z",
      }),
    ).toBeNull();
  });

  it("knows every String input that reads like a date (add new ones to DATE_INPUTS)", () => {
    const looksLikeDate = /(On|^dates?|Dates?|^from$|^to$|From|Until|^month$)$/;
    const found: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__")) continue;
      if (isInputObjectType(type)) {
        for (const f of Object.values(type.getFields()))
          if (getNamedType(f.type).name === "String" && looksLikeDate.test(f.name)) found.push(`${type.name}.${f.name}`);
      } else if (isObjectType(type)) {
        for (const f of Object.values(type.getFields()))
          for (const a of f.args)
            if (getNamedType(a.type).name === "String" && looksLikeDate.test(a.name)) found.push(`${type.name}.${f.name}(${a.name})`);
      }
    }
    expect(found.sort()).toEqual(Object.keys(DATE_INPUTS).sort());
  });
});
