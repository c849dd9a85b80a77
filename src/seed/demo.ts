// Demo data for `npm start` on an empty database: banks, coordinators and members whose
// stories are the ones timebanks are for (see README).
import type { Prisma } from "../generated/prisma/client";
import type { MembershipRole, MembershipStatus } from "../generated/prisma/enums";
import type { App } from "../context/context";
import { hashPassword } from "../modules/auth/password";
import { seedDemoLedger } from "../modules/ledger/ledger.seed";
import { seedDemoFederation } from "../modules/federation/federation.seed";
import { DEFAULT_CATEGORIES } from "../modules/timebank/timebank.service";
import { seedDemoPosts } from "../modules/post/post.demo";
import { DEMO_UMBRELLA_EMAIL, seedDemoStatistics } from "../modules/stats/stats.seed";

export const DEMO_PASSWORD = "timebank-demo";

interface DemoMember {
  email: string;
  name: string;
  role?: MembershipRole;
  status?: MembershipStatus;
  language?: string;
  bio: string;
  languages: string[];
  neighbourhood?: string;
  skills?: [string, string][];
  needs?: [string, string][];
  availability?: { weekday: number; startMinute: number; endMinute: number }[];
  phone?: string;
  accessibilityNeeds?: string;
}

interface DemoBank {
  slug: string;
  name: string;
  locale: string;
  timezone: string;
  region: string;
  members: DemoMember[];
}

const weekdays = (days: number[], start: number, end: number) =>
  days.map((weekday) => ({ weekday, startMinute: start * 60, endMinute: end * 60 }));

export const DEMO_BANKS: DemoBank[] = [
  {
    slug: "aarhus",
    name: "Aarhus Tidsbank",
    locale: "da",
    timezone: "Europe/Copenhagen",
    region: "Midtjylland",
    members: [
      {
        email: "maja@aarhus.example",
        name: "Maja Jensen",
        role: "ADMIN",
        language: "da",
        bio: "Coordinator of the time bank. Call me about anything.",
        languages: ["da", "en"],
        neighbourhood: "Frederiksbjerg",
        phone: "+45 86 12 34 56",
      },
      {
        email: "ahmad@aarhus.example",
        name: "Ahmad Haddad",
        language: "ar",
        bio: "Came to Aarhus from Aleppo last year. I cook for many people.",
        languages: ["ar", "en"],
        neighbourhood: "Gellerup",
        skills: [
          ["cooking for groups", "shared-meals"],
          ["arabic translation", "translation-letters"],
        ],
        needs: [
          ["letters from the municipality", "translation-letters"],
          ["danish conversation", "language-practice"],
        ],
        availability: weekdays([1, 2, 3, 4, 5], 10, 16),
      },
      {
        email: "else@aarhus.example",
        name: "Else Sørensen",
        language: "da",
        bio: "Retired teacher, 78. I love a long conversation.",
        languages: ["da", "de"],
        neighbourhood: "Frederiksbjerg",
        skills: [
          ["danish conversation", "language-practice"],
          ["knitting", "handicrafts"],
        ],
        needs: [
          ["weekly shopping", "shopping-errands"],
          ["lift to the doctor", "transport"],
        ],
        availability: weekdays([2, 4], 9, 12),
        accessibilityNeeds: "Walks with a stick; ground floor flat.",
      },
      {
        email: "jonas@aarhus.example",
        name: "Jonas Møller",
        language: "da",
        bio: "Student at the university, between jobs.",
        languages: ["da", "en"],
        neighbourhood: "Trøjborg",
        skills: [
          ["computer help", "it-help"],
          ["maths homework", "homework-help"],
          ["bike repair", "repairs-bikes"],
        ],
        needs: [["dinner company", "shared-meals"]],
        availability: weekdays([6, 7], 10, 18),
      },
      {
        email: "karen@aarhus.example",
        name: "Karen Nielsen",
        status: "PAUSED",
        language: "da",
        bio: "Gardener. Stepping back for a while for treatment.",
        languages: ["da"],
        neighbourhood: "Viby",
        skills: [["gardening", "gardening"]],
      },
      {
        email: "lina@aarhus.example",
        name: "Lina Petersen",
        status: "APPLIED",
        language: "da",
        bio: "Referred by the job centre. Would like to help with pets.",
        languages: ["da"],
        skills: [["dog walking", "pet-care"]],
      },
    ],
  },
  {
    slug: "gloucester-prison",
    name: "Gloucester Prison Timebank",
    locale: "en-GB",
    timezone: "Europe/London",
    region: "South West England",
    members: [
      {
        email: "sarah@prison.example",
        name: "Sarah Hughes",
        role: "ADMIN",
        bio: "Prison officer running the bike workshop and the time bank.",
        languages: ["en"],
      },
      {
        email: "dave@prison.example",
        name: "Dave Carter",
        bio: "Repairs bikes in the workshop; the hours go to my family.",
        languages: ["en"],
        skills: [["bike repair", "repairs-bikes"]],
      },
      {
        email: "lee@prison.example",
        name: "Lee Brown",
        bio: "Learning bike repair; wants to give something back.",
        languages: ["en"],
        skills: [
          ["bike repair", "repairs-bikes"],
          ["woodwork", "handicrafts"],
        ],
      },
    ],
  },
  {
    slug: "gloucester-families",
    name: "Gloucester Families Timebank",
    locale: "en-GB",
    timezone: "Europe/London",
    region: "South West England",
    members: [
      {
        email: "priya@families.example",
        name: "Priya Shah",
        role: "ADMIN",
        bio: "Coordinator; families of people in prison are welcome here.",
        languages: ["en", "gu"],
      },
      {
        email: "emma@families.example",
        name: "Emma Carter",
        bio: "Dave's daughter, in year 9.",
        languages: ["en"],
        needs: [["maths homework", "homework-help"]],
        availability: weekdays([1, 3], 16, 18),
      },
      {
        email: "tom@families.example",
        name: "Tom Wilson",
        bio: "Retired maths teacher.",
        languages: ["en"],
        skills: [
          ["maths homework", "homework-help"],
          ["gardening", "gardening"],
        ],
        availability: weekdays([1, 2, 3], 15, 19),
      },
    ],
  },
  {
    slug: "riverside-clinic",
    name: "Riverside Health Timebank",
    locale: "en-GB",
    timezone: "Europe/London",
    region: "London",
    members: [
      {
        email: "grace@clinic.example",
        name: "Grace Mensah",
        role: "ADMIN",
        bio: "Link worker at the Riverside GP practice.",
        languages: ["en", "tw"],
      },
      {
        email: "frank@clinic.example",
        name: "Frank O'Neill",
        bio: "Patient at the practice. Happy to be a phone friend.",
        languages: ["en"],
        skills: [["phone friend", "listening-phone-friend"]],
        needs: [["lift to appointments", "transport"]],
        availability: weekdays([1, 2, 3, 4, 5], 18, 20),
      },
      {
        email: "aisha@clinic.example",
        name: "Aisha Begum",
        bio: "Patient; I drive and can take people to appointments.",
        languages: ["en", "bn"],
        skills: [
          ["lift to appointments", "transport"],
          ["shopping", "shopping-errands"],
        ],
        needs: [["someone to talk to", "listening-phone-friend"]],
      },
    ],
  },
];

export const DEMO_PLATFORM_ADMIN = { email: "admin@federation.example", name: "Federation Admin" };

export const DEMO_LOGINS = [
  { email: "maja@aarhus.example", what: "admin/coordinator of aarhus" },
  { email: "ahmad@aarhus.example", what: "member of aarhus (newcomer)" },
  { email: "sarah@prison.example", what: "admin of gloucester-prison" },
  { email: "emma@families.example", what: "member of gloucester-families" },
  { email: "grace@clinic.example", what: "admin of riverside-clinic" },
  { email: DEMO_PLATFORM_ADMIN.email, what: "platform admin (creates banks)" },
  { email: DEMO_UMBRELLA_EMAIL, what: "umbrella body: statistics at /dashboard" },
];

export async function seedDemoData(app: App): Promise<void> {
  const db = app.database.prisma;
  const now = app.clock.now();
  const people = [DEMO_PLATFORM_ADMIN, ...DEMO_BANKS.flatMap((b) => b.members)];
  const hashes = await Promise.all(people.map(() => hashPassword(DEMO_PASSWORD)));
  await db.$transaction(
    async (tx) => {
      const personIds = new Map<string, string>();
      for (const [i, p] of people.entries()) {
        const person = await tx.person.create({
          data: {
            email: p.email,
            displayName: p.name,
            passwordHash: hashes[i],
            preferredLanguage: (p as { language?: string }).language ?? "en",
            isPlatformAdmin: p === DEMO_PLATFORM_ADMIN,
          },
        });
        personIds.set(p.email, person.id);
      }
      for (const b of DEMO_BANKS) {
        const bank = await tx.timebank.create({
          data: {
            slug: b.slug,
            name: b.name,
            locale: b.locale,
            timezone: b.timezone,
            region: b.region,
            nextMemberNumber: b.members.length + 1,
          },
        });
        await tx.category.createMany({ data: DEFAULT_CATEGORIES.map((c) => ({ ...c, timebankId: bank.id })) });
        const categories = new Map((await tx.category.findMany({ where: { timebankId: bank.id } })).map((c) => [c.slug, c.id]));
        const approver = personIds.get(b.members[0].email)!;
        for (const [i, m] of b.members.entries()) {
          const status = m.status ?? "ACTIVE";
          const admitted = status !== "APPLIED";
          const skillRows = (kind: "SKILL" | "NEED", list: [string, string][] = []) =>
            list.map(([label, category]) => ({ timebankId: bank.id, kind, label, categoryId: categories.get(category)! }));
          const data: Prisma.MembershipUncheckedCreateInput = {
            timebankId: bank.id,
            personId: personIds.get(m.email)!,
            memberNumber: i + 1,
            role: m.role ?? "MEMBER",
            status,
            appliedAt: now,
            approvedById: admitted ? approver : null,
            approvedAt: admitted ? now : null,
            joinedAt: admitted ? now : null,
            pausedAt: status === "PAUSED" ? now : null,
            profile: {
              create: {
                bio: m.bio,
                languages: m.languages,
                neighbourhood: m.neighbourhood ?? null,
                availability: m.availability ?? [],
                contactPhone: m.phone ?? null,
                accessibilityNeeds: m.accessibilityNeeds ?? null,
              },
            },
          };
          const membership = await tx.membership.create({ data });
          const skills = [...skillRows("SKILL", m.skills), ...skillRows("NEED", m.needs)].map((s) => ({
            ...s,
            membershipId: membership.id,
          }));
          if (skills.length) await tx.memberSkill.createMany({ data: skills });
        }
      }
      await seedDemoLedger(tx, now);
      await seedDemoFederation(tx, now);
    },
    { timeout: 60_000 },
  );
  await seedDemoPosts(app);
  await seedDemoStatistics(app, DEMO_PASSWORD);
}
