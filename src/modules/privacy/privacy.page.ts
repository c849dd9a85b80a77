// The export as a page a coordinator can print and hand to a member without a login: the same
// facts as the JSON, with headings in words, lists as tables, and what is withheld said first.

const TITLES: Record<string, string> = {
  person: "You",
  delegations: "Institutions you act for",
  banks: "Your timebanks",
  membership: "Membership",
  profile: "Profile",
  skills: "Skills, needs and lived experience",
  livedExperience: "Lived experience",
  participation: "Answers for the statistics (given with your consent)",
  consents: "Consents",
  posts: "Your offers and requests",
  matchesProposedToMe: "Requests you were proposed for",
  onboarding: "Joining: interviews, references and checks",
  supervision: "Supervision",
  helpersActingForMe: "Helpers who may act for you",
  membersIHelp: "Members you help",
  actingLog: "Actions taken for you, or by you for others",
  mentorPairings: "Mentoring",
  engagement: "How much you want to give",
  activitySignups: "Activities you signed up for",
  activitiesHosted: "Activities you host",
  capacity: "Working time and service commitments",
  privacyRequests: "Exports and erasures of your data",
  accounts: "Your account",
  transfers: "Every transfer of time to or from your account",
  statements: "Monthly statements",
  interBankTransfers: "Transfers with other timebanks",
};

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** "balanceAfterMinutes" -> "Balance after minutes". */
function words(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function scalar(v: unknown): string {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(v))
    return escape(v.replace("T", " ").replace(/:\d{2}\.\d{3}Z$/, " UTC"));
  return escape(String(v));
}

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const flat = (o: Record<string, unknown>) => Object.values(o).every((v) => !isPlain(v) && !(Array.isArray(v) && v.some((x) => isPlain(x))));

function cell(v: unknown): string {
  if (Array.isArray(v)) return v.length ? v.map((x) => (isPlain(x) ? render(x, 4) : scalar(x))).join(", ") : "—";
  if (isPlain(v)) return render(v, 4);
  return scalar(v);
}

function render(value: unknown, level: number): string {
  if (Array.isArray(value)) {
    if (!value.length) return "<p>None.</p>";
    if (value.every(isPlain) && value.every((x) => flat(x as Record<string, unknown>))) {
      const keys = [...new Set(value.flatMap((x) => Object.keys(x as object)))];
      const head = keys.map((k) => `<th>${escape(words(k))}</th>`).join("");
      const rows = value
        .map((x) => `<tr>${keys.map((k) => `<td>${cell((x as Record<string, unknown>)[k])}</td>`).join("")}</tr>`)
        .join("\n");
      return `<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>`;
    }
    return value.map((x) => `<div class="item">${render(x, level)}</div>`).join("\n");
  }
  if (isPlain(value)) {
    const simple = Object.entries(value).filter(([, v]) => !isPlain(v) && !(Array.isArray(v) && v.some(isPlain)));
    const nested = Object.entries(value).filter(([, v]) => isPlain(v) || (Array.isArray(v) && v.some(isPlain)));
    const dl = simple.length ? `<dl>${simple.map(([k, v]) => `<dt>${escape(words(k))}</dt><dd>${cell(v)}</dd>`).join("")}</dl>` : "";
    const h = `h${Math.min(level, 6)}`;
    return (
      dl + nested.map(([k, v]) => `<section><${h}>${escape(TITLES[k] ?? words(k))}</${h}>${render(v, level + 1)}</section>`).join("\n")
    );
  }
  return `<p>${scalar(value)}</p>`;
}

export function renderExportPage(data: Record<string, unknown>): string {
  const person = (data.person ?? {}) as Record<string, unknown>;
  const banks = (data.banks ?? []) as Record<string, unknown>[];
  const withheld = (data.withheld ?? []) as string[];
  const body = banks
    .map((b) => {
      const { timebank, ...rest } = b as { timebank: { name: string } } & Record<string, unknown>;
      return `<section class="bank"><h2>${escape(timebank.name)}</h2>${render(rest, 3)}</section>`;
    })
    .join("\n");
  const { delegations } = data;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>What we hold about ${escape(String(person.displayName ?? ""))}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:13px}th,td{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}
th{background:#eee}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}dd{margin:0}
section.bank{border-top:3px solid #333;margin-top:2rem}.item{border-left:3px solid #ddd;padding-left:.6rem;margin:.5rem 0}
@media print{body{margin:0;max-width:none}section.bank{page-break-before:always}}
</style></head>
<body>
<h1>What we hold about ${escape(String(person.displayName ?? ""))}</h1>
<p>Printed ${scalar(data.exportedAt)}. This is everything the timebank's server holds about you, in every part below. Ask a coordinator if anything is wrong: you can have it corrected, or erased.</p>
<h2>What is not shown here, and why</h2>
<ul>${withheld.map((w) => `<li>${escape(w)}</li>`).join("")}</ul>
<h2>${TITLES.person}</h2>
${render(person, 3)}
${Array.isArray(delegations) && delegations.length ? `<h2>${TITLES.delegations}</h2>${render(delegations, 3)}` : ""}
${body}
</body></html>
`;
}
