// The umbrella body's analyst opens /dashboard in a real (headless) Chromium, logs in with the
// demo account, and sees charts of the demo data; the numbers in the page are the API's.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { ManualClock } from "../../src/common/clock";
import { DEMO_PASSWORD } from "../../src/seed/demo";
import { DEMO_UMBRELLA_EMAIL } from "../../src/modules/stats/stats.seed";
import { flavour } from "../helpers/database";
import { startTestServer, type TestServer } from "../helpers/server";

const CHROMIUM = "/usr/bin/chromium";
// The server and the page share a fixed "now" (the demo data are generated up to it); STATS_TEST_NOW moves it.
const NOW = new Date(process.env.STATS_TEST_NOW ?? "2026-03-01T12:00:00.000Z");
const skipReason = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : flavour() !== "pglite"
    ? "the page is the same on PostgreSQL: run once, on PGlite"
    : null;
if (skipReason) console.log(`dashboard test skipped: ${skipReason}`);

(skipReason ? describe.skip : describe)("the statistics dashboard", () => {
  let t: TestServer;
  let browser: BrowserContext;
  let profile: string;
  const shots = mkdtempSync(path.join(os.tmpdir(), "dashboard-"));

  beforeAll(async () => {
    t = await startTestServer({ clock: new ManualClock(NOW), config: { seedDemoData: true, statsMaxStalenessMs: 0 } });
    profile = mkdtempSync(path.join(os.tmpdir(), "chromium-profile-"));
    // A fresh profile per run (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      viewport: { width: 1200, height: 1800 },
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("logs in, draws the charts and shows the API's numbers", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    const base = t.url.replace(/\/graphql$/, "");
    // The page's Date says what the server's clock says (its timers keep running).
    await page.clock.setFixedTime(NOW);
    await page.goto(`${base}/dashboard`);
    await page.fill("#email", DEMO_UMBRELLA_EMAIL);
    await page.fill("#password", DEMO_PASSWORD);
    await page.click("#login button[type=submit]");
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    // Every chart has drawn something: its canvas is not blank.
    for (const id of ["hours-chart", "active-chart", "participation-chart"]) {
      // Runs in the page (no DOM types in this project's TypeScript configuration).
      const painted = await page.$eval(`#${id}`, (canvas: any) => {
        const pixels: Uint8ClampedArray = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) n++;
        return n;
      });
      expect({ id, painted: painted > 1000 }).toEqual({ id, painted: true });
    }
    const file = path.join(shots, "dashboard.png");
    await page.screenshot({ path: file, fullPage: true });
    expect(existsSync(file)).toBe(true);
    console.log(`dashboard screenshot: ${file}`);

    // The latest month's table, cell by cell, against the API.
    const cells = await page.$$eval("#latest td", (tds: any[]) =>
      tds.map((td) => ({ bank: td.dataset.bank as string, field: td.dataset.field as string, text: td.textContent as string })),
    );
    const to = NOW.toISOString().slice(0, 10);
    const from = `${to.slice(0, 7)}-01`;
    const login = await t.client.ok(`mutation($i: LogInInput!) { logIn(input: $i) { ... on AuthPayload { token } } }`, {
      i: { email: DEMO_UMBRELLA_EMAIL, password: DEMO_PASSWORD },
    });
    const api = await t.client
      .withToken(login.logIn.token)
      .ok(
        `query($i: StatisticsInput!) { statistics(input: $i) { members { group membersTotal { value suppressed } membersActive { value suppressed } exchanges { value suppressed } hoursExchanged { value suppressed } reciprocityShare { value suppressed } } } }`,
        { i: { periodKind: "MONTH", from, to, grouping: "BANK" } },
      );
    const expected = api.statistics.members.flatMap(
      (m: Record<string, { value: number | null; suppressed: boolean }> & { group: string }) =>
        ["membersTotal", "membersActive", "exchanges", "hoursExchanged", "reciprocityShare"].map((field) => ({
          bank: m.group,
          field,
          text: m[field].suppressed || m[field].value === null ? "–" : String(m[field].value),
        })),
    );
    expect(cells).toEqual(expected);
    // The generated demo banks are big enough that their figures are shown, not suppressed.
    expect(cells.filter((c) => c.bank.startsWith("gen-demo-") && c.field === "membersTotal" && c.text !== "–").length).toBe(8);
    // The inter-bank matrix of the latest month: the demo's flows among the generated banks
    // (sent through the federation), as the API gives them, and shown, not withheld.
    const flowCells = (
      await page.$$eval("#flows td", (tds: any[]) =>
        tds.map((td) => ({ from: td.dataset.from as string, to: td.dataset.to as string, text: td.textContent as string })),
      )
    ).filter((c) => c.text !== "");
    const apiFlows = await t.client
      .withToken(login.logIn.token)
      .ok(`query($i: StatisticsInput!) { statistics(input: $i) { interBankFlows { fromBank toBank hours { value suppressed } } } }`, {
        i: { periodKind: "MONTH", from, to, grouping: "BANK" },
      });
    const byPair = new Map<string, { from: string; to: string; hours: number; hidden: boolean }>();
    for (const f of apiFlows.statistics.interBankFlows as {
      fromBank: string;
      toBank: string;
      hours: { value: number | null; suppressed: boolean };
    }[]) {
      const key = `${f.fromBank}>${f.toBank}`;
      const cell = byPair.get(key) ?? { from: f.fromBank, to: f.toBank, hours: 0, hidden: false };
      cell.hours += f.hours.value ?? 0;
      cell.hidden ||= f.hours.suppressed;
      byPair.set(key, cell);
    }
    const expectedFlows = [...byPair.values()].map((c) => ({
      from: c.from,
      to: c.to,
      text: c.hidden ? "–" : String(Math.round(c.hours * 100) / 100),
    }));
    const order = (xs: { from: string; to: string }[]) => [...xs].sort((a, b) => `${a.from}>${a.to}`.localeCompare(`${b.from}>${b.to}`));
    expect(order(flowCells)).toEqual(order(expectedFlows));
    expect(flowCells.filter((c) => c.from.startsWith("gen-demo-") && c.text !== "–").length).toBeGreaterThan(0);
    expect(errors).toEqual([]);
  }, 180_000);
});
