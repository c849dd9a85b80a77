// Checks an evaluation set: node bench/matching-eval/validate.cjs bench/matching-eval/set-a.json
const f = require("node:path").resolve(process.argv[2]); const s = require(f);
const err = []; const need = (c, m) => { if (!c) err.push(m); };
for (const k of ["name","city","locale","howMade","places","members","requests","grades"]) need(k in s, "missing " + k);
const places = new Set(s.places.map(p => p.name));
for (const p of s.places) need(typeof p.lat === "number" && typeof p.lon === "number" && /^\d{4}$/.test(p.postcode), "place " + p.name);
const mk = new Set(s.members.map(m => m.key)); need(mk.size === s.members.length, "dup member keys");
const rk = new Set(s.requests.map(r => r.key)); need(rk.size === s.requests.length, "dup request keys");
const DAYS = ["MON","TUE","WED","THU","FRI","SAT","SUN"];
for (const m of s.members) {
  need(places.has(m.facts.place), m.key + " place " + m.facts.place);
  need(["ACTIVE","PAUSED","DECLINED"].includes(m.status), m.key + " status");
  need(typeof m.vouched === "boolean", m.key + " vouched");
  need(Array.isArray(m.languages) && m.languages.length > 0, m.key + " langs");
  need(m.facts.canDo.length > 0, m.key + " canDo");
  for (const a of m.availability) need(DAYS.includes(a.day) && /^\d\d:\d\d$/.test(a.from) && /^\d\d:\d\d$/.test(a.to) && a.from < a.to, m.key + " avail");
  for (const o of m.offers) need(o.title && "category" in o, m.key + " offer");
}
for (const r of s.requests) {
  need(mk.has(r.requester), r.key + " requester");
  need(!r.when || !isNaN(Date.parse(r.when)), r.key + " when");
  need(r.remoteOk ? r.facts.maxKm === null : r.facts.maxKm > 0, r.key + " maxKm");
  need(places.has(r.facts.place), r.key + " place");
}
const cats = new Set(["translation-letters","shared-meals","pet-care","shopping-errands","transport","homework-help","listening-phone-friend","repairs-bikes","gardening","language-practice","it-help","handicrafts"]);
for (const c of [...s.requests.map(r => r.category), ...s.members.flatMap(m => m.offers.map(o => o.category))]) need(c === null || cats.has(c), "category " + c);
for (const [r, g] of Object.entries(s.grades)) { need(rk.has(r), "grades for unknown " + r);
  for (const [m, v] of Object.entries(g)) { need(mk.has(m), r + " grades unknown " + m); need([1,2,3].includes(v), r + " grade " + v);
    const mem = s.members.find(x => x.key === m); const req = s.requests.find(x => x.key === r);
    need(mem.status === "ACTIVE", r + " grades non-active " + m); need(m !== req.requester, r + " grades requester");
    need(!req.forVulnerablePerson || mem.vouched, r + " grades unvouched " + m); } }
for (const r of rk) need(r in s.grades, "no grades entry " + r);
need(s.members.length >= 150, "members < 150"); need(s.requests.length >= 40, "requests < 40");
need(s.requests.filter(r => !r.category).length * 2 > s.requests.length, "not more than half without category");
const pairs = Object.values(s.grades).reduce((n, g) => n + Object.keys(g).length, 0);
console.log(err.length ? "INVALID\n" + err.join("\n") : `valid: ${s.name} ${s.city}: ${s.members.length} members, ${s.requests.length} requests, ${pairs} graded pairs, ${Object.values(s.grades).filter(g => !Object.keys(g).length).length} requests with no fit, ${s.requests.filter(r => !r.category).length} without category`);
process.exit(err.length ? 1 : 0);
