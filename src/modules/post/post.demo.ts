// Demo offers and requests for the demo banks (src/seed/demo.ts): the stories of the seeded
// members, so that `npm start` shows browsing, search and matchmaking at work.
import type { App } from "../../context/context";
import type { PlaceMode, PostKind } from "../../generated/prisma/enums";

interface DemoPost {
  bank: string;
  author: string;
  kind: PostKind;
  title: string;
  description: string;
  category: string;
  tags: string[];
  expectedMinutes?: number;
  placeMode?: PlaceMode;
  neighbourhood?: string;
  availability?: { weekday: number; startMinute: number; endMinute: number }[];
}

const DEMO_POSTS: DemoPost[] = [
  {
    bank: "aarhus",
    author: "else@aarhus.example",
    kind: "REQUEST",
    title: "Hjælp til de ugentlige indkøb",
    description: "Jeg kan ikke længere bære tunge poser fra supermarkedet. Tirsdag eller torsdag formiddag.",
    category: "shopping-errands",
    tags: ["indkøb", "weekly shopping"],
    expectedMinutes: 60,
    neighbourhood: "Frederiksbjerg",
    availability: [
      { weekday: 2, startMinute: 600, endMinute: 720 },
      { weekday: 4, startMinute: 600, endMinute: 720 },
    ],
  },
  {
    bank: "aarhus",
    author: "else@aarhus.example",
    kind: "OFFER",
    title: "Dansk samtale over en kop kaffe",
    description: "Pensioneret lærer. Jeg øver gerne dansk med nye naboer.",
    category: "language-practice",
    tags: ["danish conversation", "dansk"],
    expectedMinutes: 60,
    neighbourhood: "Frederiksbjerg",
    availability: [
      { weekday: 2, startMinute: 540, endMinute: 720 },
      { weekday: 4, startMinute: 540, endMinute: 720 },
    ],
  },
  {
    bank: "aarhus",
    author: "else@aarhus.example",
    kind: "REQUEST",
    title: "Skifte pærer i loftet",
    description: "Jeg kan ikke stå på en stige.",
    category: "repairs-bikes",
    tags: ["light bulbs"],
    expectedMinutes: 30,
    placeMode: "AT_HOME",
    neighbourhood: "Frederiksbjerg",
  },
  {
    bank: "aarhus",
    author: "ahmad@aarhus.example",
    kind: "REQUEST",
    title: "Brev fra kommunen",
    description: "I need help to understand letters from the municipality.",
    category: "translation-letters",
    tags: ["letters from the municipality"],
    expectedMinutes: 45,
    placeMode: "IN_PERSON",
    neighbourhood: "Gellerup",
  },
  {
    bank: "aarhus",
    author: "ahmad@aarhus.example",
    kind: "OFFER",
    title: "Aftensmad for mange",
    description: "Jeg laver syrisk mad til fællesspisning.",
    category: "shared-meals",
    tags: ["cooking for groups"],
    expectedMinutes: 180,
    neighbourhood: "Gellerup",
    availability: [{ weekday: 5, startMinute: 960, endMinute: 1200 }],
  },
  {
    bank: "aarhus",
    author: "jonas@aarhus.example",
    kind: "OFFER",
    title: "Computerhjælp",
    description: "Opsætning af mobil, computer og MitID.",
    category: "it-help",
    tags: ["computer help"],
    expectedMinutes: 60,
    placeMode: "BY_PHONE",
    availability: [
      { weekday: 6, startMinute: 600, endMinute: 1080 },
      { weekday: 7, startMinute: 600, endMinute: 1080 },
    ],
  },
  {
    bank: "aarhus",
    author: "jonas@aarhus.example",
    kind: "OFFER",
    title: "Indkøb på ladcykel",
    description: "Jeg henter varer på min ladcykel, også tunge poser.",
    category: "shopping-errands",
    tags: ["weekly shopping", "indkøb"],
    expectedMinutes: 60,
    neighbourhood: "Trøjborg",
    availability: [{ weekday: 2, startMinute: 540, endMinute: 780 }],
  },
  {
    bank: "gloucester-families",
    author: "emma@families.example",
    kind: "REQUEST",
    title: "Maths homework help",
    description: "Year 9 algebra, before my test.",
    category: "homework-help",
    tags: ["maths homework"],
    expectedMinutes: 60,
    placeMode: "ONLINE",
    availability: [
      { weekday: 1, startMinute: 960, endMinute: 1080 },
      { weekday: 3, startMinute: 960, endMinute: 1080 },
    ],
  },
  {
    bank: "gloucester-families",
    author: "tom@families.example",
    kind: "OFFER",
    title: "Maths tutoring",
    description: "Retired maths teacher: GCSE and below.",
    category: "homework-help",
    tags: ["maths homework"],
    expectedMinutes: 60,
    placeMode: "ONLINE",
    availability: [
      { weekday: 1, startMinute: 900, endMinute: 1140 },
      { weekday: 3, startMinute: 900, endMinute: 1140 },
    ],
  },
  {
    bank: "gloucester-prison",
    author: "dave@prison.example",
    kind: "OFFER",
    title: "Bike repair in the workshop",
    description: "Punctures, brakes, gears. Hours go to my family's bank.",
    category: "repairs-bikes",
    tags: ["bike repair"],
    expectedMinutes: 90,
  },
  {
    bank: "riverside-clinic",
    author: "frank@clinic.example",
    kind: "REQUEST",
    title: "Lift to the hospital on Thursday",
    description: "Outpatient appointment at 10:00.",
    category: "transport",
    tags: ["lift to appointments"],
    expectedMinutes: 120,
    neighbourhood: "Riverside",
  },
  {
    bank: "riverside-clinic",
    author: "frank@clinic.example",
    kind: "OFFER",
    title: "Phone friend in the evening",
    description: "A chat on the phone when the days are long.",
    category: "listening-phone-friend",
    tags: ["phone friend"],
    expectedMinutes: 30,
    placeMode: "BY_PHONE",
    availability: [
      { weekday: 1, startMinute: 1080, endMinute: 1200 },
      { weekday: 3, startMinute: 1080, endMinute: 1200 },
    ],
  },
];

/** Demo helpers a coordinator has vouched for (home visits). */
const DEMO_VOUCHES = [
  { bank: "aarhus", member: "jonas@aarhus.example", by: "maja@aarhus.example", note: "References checked at the interview." },
];

export async function seedDemoPosts(app: App): Promise<void> {
  const db = app.database.prisma;
  const now = app.clock.now();
  const memberships = await db.membership.findMany({
    select: { id: true, timebankId: true, timebank: { select: { slug: true } }, person: { select: { id: true, email: true } } },
  });
  const find = (bank: string, email: string) => {
    const m = memberships.find((x) => x.timebank.slug === bank && x.person.email === email);
    if (!m) throw new Error(`demo data: no membership of ${email} in ${bank}`);
    return m;
  };
  const categories = await db.category.findMany({ select: { id: true, slug: true, timebankId: true } });
  await db.$transaction(async (tx) => {
    for (const [i, p] of DEMO_POSTS.entries()) {
      const author = find(p.bank, p.author);
      const category = categories.find((c) => c.timebankId === author.timebankId && c.slug === p.category);
      const availability = p.availability ?? [];
      await tx.post.create({
        data: {
          timebankId: author.timebankId,
          authorId: author.id,
          kind: p.kind,
          title: p.title,
          description: p.description,
          categoryId: category?.id ?? null,
          tags: p.tags,
          expectedMinutes: p.expectedMinutes ?? null,
          placeMode: p.placeMode ?? "IN_PERSON",
          neighbourhood: p.neighbourhood ?? null,
          availability,
          flexible: availability.length === 0,
          requiresVouchedHelper: p.kind === "REQUEST" && p.placeMode === "AT_HOME",
          // Spread over the last hour so the newest-first order is stable.
          createdAt: new Date(now.getTime() - (DEMO_POSTS.length - i) * 60_000),
          updatedAt: now,
        },
      });
    }
    for (const vch of DEMO_VOUCHES) {
      const member = find(vch.bank, vch.member);
      const by = find(vch.bank, vch.by);
      await tx.memberVouch.create({
        data: { timebankId: member.timebankId, membershipId: member.id, vouchedById: by.person.id, vouchedAt: now, note: vch.note },
      });
    }
  });
}
