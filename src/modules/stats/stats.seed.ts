// Demo statistics: the demo banks have a handful of members each, so nearly every figure of
// theirs counts fewer than 5 people and is suppressed, as it should be. To give the dashboard
// something to show, the demo adds eight generated banks ("gen-demo-*", 60 members each,
// 6,000 exchanges over 13 months, 60% of members giving participation answers) and a person
// of the umbrella body.
import type { App } from "../../context/context";
import { hashPassword } from "../auth/password";
import { generateDataset } from "./stats.generate";
import { refreshRollups } from "./stats.refresh";

export const DEMO_UMBRELLA_EMAIL = "analyst@umbrella.example";

export async function seedDemoStatistics(app: App, password: string): Promise<void> {
  const db = app.database.prisma;
  await generateDataset(db, { tag: "demo", banks: 8, membersPerBank: 60, transfers: 6000, days: 395, end: app.clock.now(), participationShare: 0.6 });
  await db.person.create({ data: { email: DEMO_UMBRELLA_EMAIL, displayName: "National Umbrella Analyst", passwordHash: await hashPassword(password), isUmbrella: true } });
  await refreshRollups(app.database, { full: true });
}
