// The statistics dashboard: logs in through /graphql, reads `statistics`, draws charts with
// Chart.js. Plain browser JavaScript, no build step.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem("statsToken");
  let me = null;
  const charts = {};

  async function gql(query, variables) {
    const res = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    const body = await res.json();
    if (body.errors && body.errors.length) throw new Error(body.errors[0].message);
    return body.data;
  }

  const FIGURE = "{ value suppressed }";
  const REPORT = `query($input: StatisticsInput!) { statistics(input: $input) {
    periods minCellSize refreshedAt
    members { period group groupName membersTotal ${FIGURE} membersActive ${FIGURE} exchanges ${FIGURE} hoursExchanged ${FIGURE} reciprocityShare ${FIGURE} }
    interBankFlows { period fromBank toBank purpose hours ${FIGURE} }
    participation { period group dimension answer members ${FIGURE} share ${FIGURE} }
  } }`;

  const shown = (f) => (f.suppressed || f.value === null ? "–" : String(f.value));
  const palette = ["#2f6db5", "#d9822b", "#3a9c5a", "#b33a3a", "#7d5ab5", "#5aa7b5", "#b5a35a", "#555"];

  function lineChart(id, labels, datasets) {
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart($(id), {
      type: "line",
      data: { labels, datasets },
      options: { animation: false, responsive: true, plugins: { legend: { position: "bottom" } }, spanGaps: false },
    });
  }

  function perBank(report, field) {
    const banks = [...new Set(report.members.map((m) => m.group))];
    return banks.map((bank, i) => ({
      label: bank,
      borderColor: palette[i % palette.length],
      backgroundColor: palette[i % palette.length],
      data: report.periods.map((p) => {
        const row = report.members.find((m) => m.group === bank && m.period === p);
        return row && !row[field].suppressed ? row[field].value : null;
      }),
    }));
  }

  function flowTable(report, latest) {
    const flows = report.interBankFlows.filter((f) => f.period === latest);
    const banks = [...new Set(report.members.map((m) => m.group).concat(flows.flatMap((f) => [f.fromBank, f.toBank])))].sort();
    const cell = (from, to) => {
      const list = flows.filter((f) => f.fromBank === from && f.toBank === to);
      if (!list.length) return "";
      if (list.some((f) => f.hours.suppressed)) return "–";
      return String(Math.round(list.reduce((s, f) => s + f.hours.value, 0) * 100) / 100);
    };
    const t = $("flows");
    t.replaceChildren();
    const head = t.insertRow();
    head.appendChild(document.createElement("th")).textContent = "from \\ to";
    for (const b of banks) head.appendChild(document.createElement("th")).textContent = b;
    for (const from of banks) {
      const row = t.insertRow();
      row.appendChild(document.createElement("th")).textContent = from;
      for (const to of banks) {
        const td = row.insertCell();
        td.textContent = from === to ? "" : cell(from, to);
        td.dataset.from = from;
        td.dataset.to = to;
      }
    }
  }

  function latestTable(report, latest) {
    const t = $("latest");
    t.replaceChildren();
    const fields = [["membersTotal", "Members"], ["membersActive", "Active"], ["exchanges", "Exchanges"], ["hoursExchanged", "Hours"], ["reciprocityShare", "Gave and received"]];
    const head = t.insertRow();
    head.appendChild(document.createElement("th")).textContent = "Bank";
    for (const [, label] of fields) head.appendChild(document.createElement("th")).textContent = label;
    for (const m of report.members.filter((r) => r.period === latest)) {
      const row = t.insertRow();
      row.appendChild(document.createElement("th")).textContent = m.groupName;
      for (const [field] of fields) {
        const td = row.insertCell();
        td.textContent = shown(m[field]);
        td.dataset.bank = m.group;
        td.dataset.field = field;
      }
    }
  }

  function participationChart(report, latest) {
    const rows = report.participation.filter((p) => p.period === latest);
    const labels = [...new Set(rows.map((p) => `${p.dimension}: ${p.answer}`))];
    const groups = [...new Set(rows.map((p) => p.group))];
    if (charts["participation-chart"]) charts["participation-chart"].destroy();
    charts["participation-chart"] = new Chart($("participation-chart"), {
      type: "bar",
      data: {
        labels,
        datasets: groups.map((g, i) => ({
          label: g === "ALL" ? "All banks" : g,
          backgroundColor: palette[i % palette.length],
          data: labels.map((l) => {
            const r = rows.find((p) => p.group === g && `${p.dimension}: ${p.answer}` === l);
            return r && !r.members.suppressed ? r.members.value : null;
          }),
        })),
      },
      options: { animation: false, responsive: true, plugins: { legend: { position: "bottom" } } },
    });
  }

  async function show() {
    const from = `${$("from").value}-01`;
    const toMonth = $("to").value;
    const to = `${toMonth}-01`;
    $("status").textContent = "loading…";
    try {
      const input = { periodKind: "MONTH", from, to, grouping: "BANK" };
      const data = await gql(REPORT, { input });
      const report = data.statistics;
      const latest = report.periods[report.periods.length - 1];
      $("k").textContent = String(report.minCellSize);
      lineChart("hours-chart", report.periods, perBank(report, "hoursExchanged"));
      lineChart("active-chart", report.periods, perBank(report, "membersActive"));
      flowTable(report, latest);
      latestTable(report, latest);
      // The umbrella body sees the national participation shares; a coordinator their bank's.
      const part = me.isUmbrella ? (await gql(REPORT, { input: { ...input, grouping: "NATIONAL" } })).statistics : report;
      participationChart(part, latest);
      const q = new URLSearchParams({ periodKind: "MONTH", from, to, grouping: "BANK" });
      $("csv").href = `/statistics/members.csv?${q}`;
      $("status").textContent = `updated ${new Date(report.refreshedAt).toLocaleString()}`;
      document.body.dataset.ready = "true";
    } catch (err) {
      $("status").textContent = err.message;
    }
  }

  async function enter() {
    me = (await gql("{ me { displayName isUmbrella } }")).me;
    $("who").textContent = `${me.displayName}${me.isUmbrella ? " (umbrella body)" : ""}`;
    $("login").hidden = true;
    $("board").hidden = false;
    const now = new Date();
    const month = (d) => `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
    $("to").value ||= month(now);
    $("from").value ||= month(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)));
    await show();
  }

  // The CSV link needs the token: fetch it and save the file.
  $("csv").addEventListener("click", async (e) => {
    e.preventDefault();
    const res = await fetch($("csv").href, { headers: { authorization: `Bearer ${token}` } });
    const blob = await res.blob();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "members.csv";
    a.click();
  });

  $("login").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("login-error").textContent = "";
    try {
      const data = await gql(
        `mutation($input: LogInInput!) { logIn(input: $input) { __typename ... on AuthPayload { token } ... on ErrorResult { message } } }`,
        { input: { email: $("email").value, password: $("password").value } },
      );
      if (data.logIn.__typename !== "AuthPayload") throw new Error(data.logIn.message);
      token = data.logIn.token;
      sessionStorage.setItem("statsToken", token);
      await enter();
    } catch (err) {
      $("login-error").textContent = err.message;
    }
  });
  $("filters").addEventListener("submit", (e) => {
    e.preventDefault();
    show();
  });
  if (token) enter().catch(() => sessionStorage.removeItem("statsToken"));
})();
