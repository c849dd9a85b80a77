// Text and dates checked at the edge, once per request, before any resolver runs: every string a
// client sends (in the document or in its variables, at any depth of an input object) and every
// date it gives. One place instead of a rule in each resolver, so that a new argument is covered
// the day it is added. Pure: unit-tested in input-bounds.spec.ts; run by src/security.ts (HTTP)
// and src/server.ts (WebSocket).
//
// - Text: no NUL and no other C0 control character except tab, line feed and carriage return
//   (which long text such as a bio or a note may hold; the short fields refuse them in their
//   services), no DEL, and no lone UTF-16 surrogate (PostgreSQL refuses NUL and invalid UTF-8
//   with an error that used to surface as INTERNAL_SERVER_ERROR).
// - Dates: every DateTimeISO input, and every String input that DATE_INPUTS names, lies between
//   1900-01-01 and five years after today ("today" from the app's clock); some are narrower
//   (DATE_INPUTS: work done is not in the future, work and time off are at most two years old,
//   a planned return is not in the past). A date string is YYYY-MM-DD (or YYYY-MM for months)
//   and must exist in the calendar.
import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  Kind,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from "graphql";
import { badInput } from "./errors";
import type { GraphQLError } from "graphql";

/** Earliest date any input may name. */
export const EARLIEST_DATE = "1900-01-01";
/** Latest date any input may name: this many years after today. */
export const YEARS_AHEAD = 5;

type DateKind = "date" | "month";
interface DateRule {
  kind: DateKind;
  /** Not after today (things that already happened; a day of slack for time zones). */
  notFuture?: boolean;
  /** Not more than this many years before today (0: not before today, less a day of slack). */
  yearsBack?: number;
}

/**
 * String inputs that hold a calendar date, by schema coordinate (Type.field for input fields,
 * Type.field(arg) for arguments). DateTimeISO inputs need no entry. input-bounds.spec.ts fails
 * when a String input whose name reads like a date is missing here.
 */
export const DATE_INPUTS: Record<string, DateRule> = {
  "CapacityPolicyInput.effectiveFrom": { kind: "date", yearsBack: 2 },
  "CapacityScheduleInput.effectiveFrom": { kind: "date", yearsBack: 2 },
  "CorrectionInput.correctsDate": { kind: "date" },
  "CreatePostInput.dates": { kind: "date" },
  "UpdatePostInput.dates": { kind: "date" },
  "DatedMinutesInput.date": { kind: "date", yearsBack: 2 },
  "Mutation.closeCapacityPeriod(startsOn)": { kind: "date" },
  "Mutation.pauseMembership(plannedReturnOn)": { kind: "date", yearsBack: 0 },
  "PositionInput.effectiveFrom": { kind: "date" },
  "Query.payrollExport(startsOn)": { kind: "date" },
  "Query.bankStatements(month)": { kind: "month" },
  "Query.timeAccountStatement(from)": { kind: "date" },
  "Query.timeAccountStatement(to)": { kind: "date" },
  "Query.workLogs(from)": { kind: "date" },
  "Query.workLogs(to)": { kind: "date" },
  "SafeguardingCheckInput.checkedOn": { kind: "date", notFuture: true },
  "SafeguardingCheckInput.expiresOn": { kind: "date" },
  "ServiceCommitmentInput.dueOn": { kind: "date", yearsBack: 2 },
  "StatisticsInput.from": { kind: "date" },
  "StatisticsInput.to": { kind: "date" },
  "WorkLogInput.date": { kind: "date", notFuture: true, yearsBack: 2 },
};

const BAD_CHARACTER =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string may not be stored, or null. */
export function badText(value: string): string | null {
  const m = BAD_CHARACTER.exec(value);
  if (!m) return null;
  const code = m[0].charCodeAt(0);
  if (code === 0) return "contains a NUL character";
  if (code >= 0xd800) return "contains an unpaired UTF-16 surrogate (not valid Unicode)";
  return "contains control characters";
}

const DAY_MS = 24 * 3600 * 1000;

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The latest day an input may name, as YYYY-MM-DD: today plus YEARS_AHEAD years. */
export function latestDate(today: Date): string {
  const d = new Date(today);
  d.setUTCFullYear(d.getUTCFullYear() + YEARS_AHEAD);
  return isoDay(d);
}

/** Why a date input is out of bounds, or null. `raw` is what the client sent. */
export function badDate(raw: string, rule: DateRule | "datetime", today: Date): string | null {
  let day: string;
  if (rule === "datetime") {
    const t = Date.parse(raw);
    if (Number.isNaN(t)) return null; // the scalar refuses it with its own message
    day = isoDay(new Date(t));
  } else if (rule.kind === "month") {
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(raw)) return "must be a month written YYYY-MM";
    day = `${raw}-01`;
  } else {
    // The day may carry an offset or a time (capacity's dates accept the bank's own offset): the
    // services read those; the edge bounds the calendar day they start with.
    const m = /^(\d{4})-(\d{2})-(\d{2})(?=$|[T+\-Z ])/.exec(raw);
    if (!m) return "must be a date written YYYY-MM-DD";
    const d = new Date(0);
    d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3])); // Date.UTC would read year 1 as 1901
    day = m[0];
    if (isoDay(d) !== day) return "is not a date of the calendar";
  }
  const latest = rule !== "datetime" && rule.notFuture ? isoDay(new Date(today.getTime() + DAY_MS)) : latestDate(today);
  let earliest = EARLIEST_DATE;
  if (rule !== "datetime" && rule.yearsBack !== undefined) {
    const d = new Date(today.getTime() - DAY_MS);
    d.setUTCFullYear(d.getUTCFullYear() - rule.yearsBack);
    if (isoDay(d) > earliest) earliest = isoDay(d);
  }
  if (day < earliest) return `must not be before ${earliest}`;
  if (day > latest) return rule !== "datetime" && rule.notFuture ? "must not be in the future" : `must not be after ${latest}`;
  return null;
}

/**
 * The first bad string or date among the operation's inputs, as BAD_USER_INPUT naming the
 * argument, or null. Runs after validation (the document's types are known to be right).
 */
export function checkInputs(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown>,
  today: Date,
): GraphQLError | null {
  let found: GraphQLError | null = null;
  // A variable used at several places is checked once per place it could mean something different.
  const checkedVariables = new Set<string>();

  const fail = (path: string, why: string) => {
    found ??= badInput(`${path} ${why}`, path);
  };

  const checkString = (value: string, path: string, dateRule: DateRule | "datetime" | null) => {
    const why = badText(value) ?? (dateRule ? badDate(value, dateRule, today) : null);
    if (why) fail(path, why);
  };

  /** A value from the variables (JSON), of input type `type`. */
  const checkValue = (value: unknown, type: GraphQLInputType, path: string, coordinate: string | null) => {
    if (found || value === null || value === undefined) return;
    const nullable = getNullableType(type) as GraphQLInputType;
    if (isListType(nullable)) {
      if (Array.isArray(value)) value.forEach((v, i) => checkValue(v, nullable.ofType, `${path}[${i}]`, coordinate));
      else checkValue(value, nullable.ofType, path, coordinate);
      return;
    }
    if (isInputObjectType(nullable)) {
      if (typeof value !== "object" || Array.isArray(value)) return; // coercion refuses it
      const fields = nullable.getFields();
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
        const field = fields[key];
        if (field) checkValue(v, field.type, `${path}.${key}`, `${nullable.name}.${key}`);
      }
      return;
    }
    if (typeof value === "string") checkString(value, path, dateRuleOf(nullable.name, coordinate));
  };

  /** A value written in the document, of input type `type`. */
  const checkNode = (node: ValueNode, type: GraphQLInputType, path: string, coordinate: string | null) => {
    if (found) return;
    const nullable = getNullableType(type) as GraphQLInputType;
    switch (node.kind) {
      case Kind.VARIABLE: {
        const key = `${node.name.value} ${String(type)} ${coordinate}`;
        if (checkedVariables.has(key)) return;
        checkedVariables.add(key);
        checkValue(variables[node.name.value], type, `$${node.name.value}`, coordinate);
        return;
      }
      case Kind.LIST:
        node.values.forEach((v, i) => checkNode(v, isListType(nullable) ? nullable.ofType : nullable, `${path}[${i}]`, coordinate));
        return;
      case Kind.OBJECT: {
        if (!isInputObjectType(nullable)) return;
        const fields = nullable.getFields();
        for (const f of node.fields) {
          const field = fields[f.name.value];
          if (field) checkNode(f.value, field.type, `${path}.${f.name.value}`, `${nullable.name}.${f.name.value}`);
        }
        return;
      }
      case Kind.STRING:
        checkString(node.value, path, dateRuleOf(getNamedType(nullable).name, coordinate));
        return;
      default:
        return;
    }
  };

  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        if (found) return false;
        const arg = typeInfo.getArgument();
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!arg || !parent || !field) return false;
        checkNode(node.value, arg.type, node.name.value, `${parent.name}.${field.name}(${arg.name})`);
        return false;
      },
      // Directive arguments (@include(if:)) hold no text.
      Directive: () => false,
    }),
  );
  return found;
}

function dateRuleOf(scalar: string, coordinate: string | null): DateRule | "datetime" | null {
  if (scalar === "DateTimeISO") return "datetime";
  if (scalar === "String" && coordinate) return DATE_INPUTS[coordinate] ?? null;
  return null;
}
