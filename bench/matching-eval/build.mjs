// Builds an evaluation set (set-a.json / set-b.json) from its hand-written source
// (set-a.src.mjs / set-b.src.mjs) and grades every request/member pair.
//
// The grades come only from the facts written by hand in the source: what each
// person can really do (our own activity codes, rendered as plain statements in
// facts.canDo), where they live (a place with coordinates), which languages they
// speak, when they said they are free, their status and whether a coordinator
// vouched for them. The grading rules are the ones written in README.md; this
// file shares nothing with the matcher (it was written without reading it).
//
//   node bench/matching-eval/build.mjs a     -> bench/matching-eval/set-a.json
//   node bench/matching-eval/build.mjs b     -> bench/matching-eval/set-b.json
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const which = process.argv[2];
if (which !== "a" && which !== "b") {
  console.error("usage: node build.mjs a|b");
  process.exit(2);
}
const src = (await import(join(here, `set-${which}.src.mjs`))).default;

const DAYS = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
const DEFAULT_HOURS = 2;

// "MON-FRI 10-16; SAT 09-13:30; TUE,THU 17-21" -> [{day, from, to}]
function parseAvailability(text) {
  if (!text) return [];
  const out = [];
  for (const part of text.split(";").map((s) => s.trim()).filter(Boolean)) {
    const [daysPart, hoursPart] = part.split(/\s+/);
    const [fromRaw, toRaw] = hoursPart.split("-");
    const hhmm = (t) => (t.includes(":") ? t.padStart(5, "0") : `${t.padStart(2, "0")}:00`);
    const days = [];
    for (const d of daysPart.split(",")) {
      if (d.includes("-")) {
        const [a, b] = d.split("-");
        let i = DAYS.indexOf(a);
        const j = DAYS.indexOf(b);
        if (i < 0 || j < 0) throw new Error(`bad day range ${d}`);
        for (;;) {
          days.push(DAYS[i]);
          if (i === j) break;
          i = (i + 1) % 7;
        }
      } else {
        if (!DAYS.includes(d)) throw new Error(`bad day ${d}`);
        days.push(d);
      }
    }
    for (const day of days) out.push({ day, from: hhmm(fromRaw), to: hhmm(toRaw) });
  }
  return out;
}

const minutes = (t) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));

function km(a, b) {
  const R = 6371;
  const rad = (x) => (x * Math.PI) / 180;
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(h));
}

// Share of the request's time window [when, when + hours) that the member said they are free.
function coverage(availability, whenIso, hours, utcOffsetHours) {
  const local = new Date(Date.parse(whenIso) + utcOffsetHours * 3600_000);
  const day = DAYS[(local.getUTCDay() + 6) % 7];
  const start = local.getUTCHours() * 60 + local.getUTCMinutes();
  const end = start + hours * 60;
  let covered = 0;
  for (const slot of availability.filter((s) => s.day === day)) {
    const a = Math.max(start, minutes(slot.from));
    const b = Math.min(end, minutes(slot.to));
    if (b > a) covered += b - a;
  }
  return covered / (end - start);
}

const places = new Map(src.places.map((p) => [p.name, p]));
const codes = src.activities;

// members
const handleToKey = new Map();
const members = src.members.map((m, i) => {
  const key = `m${String(i + 1).padStart(3, "0")}`;
  if (handleToKey.has(m.h)) throw new Error(`duplicate handle ${m.h}`);
  handleToKey.set(m.h, key);
  if (!places.has(m.place)) throw new Error(`member ${m.h}: unknown place ${m.place}`);
  const can = (m.can || "").split(/\s+/).filter(Boolean);
  for (const c of can) if (!codes[c]) throw new Error(`member ${m.h}: unknown activity ${c}`);
  const canDo = can.map((c) => codes[c]);
  if (m.also) canDo.push(m.also);
  if (canDo.length === 0) canDo.push("Nothing that is asked for in this set: joined to get help, not to give it.");
  return {
    key,
    displayName: m.name,
    neighbourhood: m.nb,
    languages: m.langs.split(/\s+/),
    bio: m.bio,
    skills: m.skills || [],
    offers: (m.offers || []).map(([title, description, category]) => ({ title, description, category: category ?? null })),
    availability: parseAvailability(m.avail),
    status: m.status || "ACTIVE",
    vouched: !!m.v,
    facts: { canDo, place: m.place, notes: m.notes || "" },
    _can: new Set(can),
  };
});

const keyOf = (h) => {
  const k = handleToKey.get(h);
  if (!k) throw new Error(`unknown member handle ${h}`);
  return k;
};
const memberByKey = new Map(members.map((m) => [m.key, m]));

// requests and grades
const grades = {};
const requests = src.requests.map((r, i) => {
  const key = `r${String(i + 1).padStart(2, "0")}`;
  const requester = memberByKey.get(keyOf(r.by));
  const place = r.place || requester.facts.place;
  if (!places.has(place)) throw new Error(`${key}: unknown place ${place}`);
  for (const c of [...(r.need || []), ...(r.close || []), ...(r.rel || [])]) if (!codes[c]) throw new Error(`${key}: unknown activity ${c}`);
  const hours = r.hours || DEFAULT_HOURS;
  const maxKm = r.remote ? null : r.maxKm;
  if (!r.remote && !maxKm) throw new Error(`${key}: in-person request needs maxKm`);
  const g = {};
  for (const m of members) {
    const grade = gradePair(r, requester, m, place, maxKm, hours);
    if (grade > 0) g[m.key] = grade;
  }
  for (const [h, val] of Object.entries(r.override || {})) {
    if (val === 0) delete g[keyOf(h)];
    else g[keyOf(h)] = val;
  }
  grades[key] = Object.fromEntries(Object.entries(g).sort(([a], [b]) => a.localeCompare(b)));
  return {
    key,
    requester: requester.key,
    title: r.title,
    description: r.desc,
    category: r.cat ?? null,
    neighbourhood: r.nb ?? requester.neighbourhood,
    when: r.when ?? null,
    remoteOk: !!r.remote,
    forVulnerablePerson: !!r.vuln,
    facts: {
      needs: r.needs,
      language: r.lang ?? null,
      maxKm,
      place,
      hours: r.when ? hours : null,
      ...(r.why ? { notes: r.why } : {}),
    },
  };
});

function gradePair(r, requester, m, place, maxKm, hours) {
  // Rule 1: never suggest the requester, a paused or declined member, or (for a
  // vulnerable person) a member nobody vouched for.
  if (m.key === requester.key) return 0;
  if (m.status !== "ACTIVE") return 0;
  if (r.vuln && !m.vouched) return 0;
  // Rule 2: what the person can really do.
  const has = (list) => (list || []).some((c) => m._can.has(c));
  let base = has(r.need) ? 3 : has(r.close) ? 2 : has(r.rel) ? 1 : 0;
  if (base === 0 && r.relSpeaks && m.languages.includes(r.relSpeaks)) base = 1;
  if (base === 0) return 0;
  // Rule 3: language. A named language is required; otherwise helper and requester must share one.
  if (r.lang) {
    if (!m.languages.includes(r.lang)) return 0;
  } else if (!m.languages.some((l) => requester.languages.includes(l))) return 0;
  let penalty = 0;
  // Rule 4: distance, unless it can be done remotely.
  if (!r.remote) {
    const d = km(places.get(place), places.get(m.facts.place));
    if (d > 2 * maxKm) return 0;
    if (d > maxKm) penalty++;
  }
  // Rule 5: time, when the request has one.
  if (r.when) {
    if (m.availability.length === 0) penalty++;
    else {
      const c = coverage(m.availability, r.when, hours, src.utcOffsetHours);
      if (c === 0) return 0;
      if (c < 1) penalty++;
    }
  }
  return Math.max(0, base - penalty);
}

const out = {
  name: src.name,
  city: src.city,
  locale: src.locale,
  howMade: src.howMade,
  places: src.places,
  members: members.map(({ _can, ...m }) => m),
  requests,
  grades,
};
const file = join(here, `set-${which}.json`);
writeFileSync(file, JSON.stringify(out, null, 1) + "\n");

// Tempting forbidden pairs: the member can do what is needed (need or close activity) but rule 1 forbids them.
let tempting = 0;
src.requests.forEach((r) => {
  const requester = memberByKey.get(keyOf(r.by));
  for (const m of members) {
    const can = [...(r.need || []), ...(r.close || [])].some((c) => m._can.has(c));
    const forbidden = m.key === requester.key || m.status !== "ACTIVE" || (r.vuln && !m.vouched);
    if (can && forbidden) tempting++;
  }
});
const byGrade = { 1: 0, 2: 0, 3: 0 };
for (const g of Object.values(grades)) for (const v of Object.values(g)) byGrade[v]++;

// short summary
const pairs = Object.values(grades).reduce((n, g) => n + Object.keys(g).length, 0);
const empty = Object.entries(grades).filter(([, g]) => Object.keys(g).length === 0).map(([k]) => k);
console.log(`${file}: ${members.length} members, ${requests.length} requests, ${pairs} graded pairs (>0), no fit: ${empty.join(" ") || "none"}`);
console.log(`grades 3/2/1: ${byGrade[3]}/${byGrade[2]}/${byGrade[1]}; tempting forbidden pairs: ${tempting}; without category: ${requests.filter((r) => !r.category).length}; with a time: ${requests.filter((r) => r.when).length}; naming a language: ${requests.filter((r) => r.facts.language).length}; for a vulnerable person: ${requests.filter((r) => r.forVulnerablePerson).length}`);
if (process.argv.includes("-v")) {
  for (const r of requests) {
    const g = grades[r.key];
    const names = Object.entries(g).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${memberByKey.get(k).displayName.split(" ")[0]}:${v}`);
    console.log(`${r.key} ${r.title.slice(0, 40).padEnd(40)} ${names.join(" ")}`);
  }
}
