// A new person signs up, applies to a bank, a coordinator approves, the member fills in the
// profile and appears in the member list; pausing, resuming, leaving and roles.
import { ManualClock } from "../../src/common/clock";
import { startTestServer, type TestServer } from "../helpers/server";
import { createBank, join, MEMBERSHIP_FIELDS, platformAdmin, signUp, type Actor } from "../helpers/world";

let t: TestServer;
let admin: Actor;
let coordinator: Actor;

beforeAll(async () => {
  // A fixed day: a planned return must lie between that day and five years after it.
  t = await startTestServer({ clock: new ManualClock(new Date("2026-06-15T10:00:00Z")) });
  admin = await platformAdmin(t);
  coordinator = await signUp(t, "Maja Coordinator");
  await createBank(t, admin, "aarhus", coordinator);
});
afterAll(() => t.close());

const MEMBER_VIEW = `id memberNumber status role displayName approvedAt approvedBy { displayName }
  profile { bio languages neighbourhood availability { weekday startMinute endMinute } }
  skills { label category { slug name } } needs { label category { slug } }
  privateDetails { loginEmail contactPhone accessibilityNeeds }`;

describe("joining a bank", () => {
  it("a newcomer applies, the coordinator approves, the profile is filled in and the member is listed", async () => {
    const ahmad = await signUp(t, "Ahmad Haddad");

    const applied = await ahmad.client.ok(`mutation { applyToTimebank(timebank: "aarhus") { ${MEMBERSHIP_FIELDS} } }`);
    expect(applied.applyToTimebank).toMatchObject({ __typename: "Member", status: "APPLIED", memberNumber: 2, role: "MEMBER" });
    const memberId = applied.applyToTimebank.id;

    // Applicants are not listed to members, but coordinators see them.
    const pending = await coordinator.client.ok(
      `{ members(timebank: "aarhus", filter: { status: APPLIED }) { totalCount nodes { id displayName } } }`,
    );
    expect(pending.members).toEqual({ totalCount: 1, nodes: [{ id: memberId, displayName: "Ahmad Haddad" }] });

    const approved = await coordinator.client.ok(
      `mutation($id: ID!) { approveMembership(memberId: $id) { ... on Member { ${MEMBER_VIEW} } } }`,
      { id: memberId },
    );
    expect(approved.approveMembership.status).toBe("ACTIVE");
    expect(approved.approveMembership.approvedBy).toEqual({ displayName: "Maja Coordinator" });
    expect(approved.approveMembership.approvedAt).toEqual(expect.any(String));
    const row = await t.db.prisma.membership.findFirstOrThrow({ where: { id: memberId } });
    expect(row.approvedById).toBe(coordinator.personId);

    const updated = await ahmad.client.ok(
      `mutation($input: UpdateProfileInput!) { updateMyProfile(timebank: "aarhus", input: $input) { ${MEMBER_VIEW} } }`,
      {
        input: {
          bio: "I cook for many people.",
          languages: ["AR", "en"],
          neighbourhood: "Gellerup",
          availability: [
            { weekday: 3, startMinute: 600, endMinute: 720 },
            { weekday: 1, startMinute: 540, endMinute: 600 },
          ],
          skills: [{ label: "Cooking for groups", category: "shared-meals" }, { label: "arabic translation" }],
          needs: [{ label: "letters from the municipality", category: "translation-letters" }],
          contactPhone: "+45 12 34 56 78",
          accessibilityNeeds: "none",
        },
      },
    );
    expect(updated.updateMyProfile).toMatchObject({
      profile: {
        bio: "I cook for many people.",
        languages: ["ar", "en"],
        neighbourhood: "Gellerup",
        availability: [
          { weekday: 1, startMinute: 540, endMinute: 600 },
          { weekday: 3, startMinute: 600, endMinute: 720 },
        ],
      },
      skills: [
        { label: "arabic translation", category: null },
        { label: "cooking for groups", category: { slug: "shared-meals", name: "Shared meals" } },
      ],
      needs: [{ label: "letters from the municipality", category: { slug: "translation-letters" } }],
      privateDetails: { loginEmail: ahmad.email, contactPhone: "+45 12 34 56 78", accessibilityNeeds: "none" },
    });

    const listed = await coordinator.client.ok(
      `{ members(timebank: "aarhus", filter: { skill: "cooking for groups" }) { totalCount nodes { id displayName } } }`,
    );
    expect(listed.members).toEqual({ totalCount: 1, nodes: [{ id: memberId, displayName: "Ahmad Haddad" }] });
    const byCategory = await ahmad.client.ok(`{ members(timebank: "aarhus", filter: { category: "shared-meals" }) { nodes { id } } }`);
    expect(byCategory.members.nodes).toEqual([{ id: memberId }]);
    const bySearch = await ahmad.client.ok(`{ members(timebank: "aarhus", filter: { search: "many people" }) { nodes { id } } }`);
    expect(bySearch.members.nodes).toEqual([{ id: memberId }]);

    const me = await ahmad.client.ok(`{ me { email displayName memberships { id status timebank { slug memberCount } } } }`);
    expect(me.me).toEqual({
      email: ahmad.email,
      displayName: "Ahmad Haddad",
      memberships: [{ id: memberId, status: "ACTIVE", timebank: { slug: "aarhus", memberCount: 2 } }],
    });
  });

  it("approving twice is refused with a typed result and changes nothing", async () => {
    const else_ = await signUp(t, "Else");
    const id = await join(else_, coordinator, "aarhus");
    const before = await t.db.prisma.membership.findFirstOrThrow({ where: { id } });
    const again = await coordinator.client.ok(
      `mutation($id: ID!) { approveMembership(memberId: $id) { ... on MembershipRefused { code currentStatus } } }`,
      { id },
    );
    expect(again.approveMembership).toEqual({ code: "INVALID_TRANSITION", currentStatus: "ACTIVE" });
    expect(await t.db.prisma.membership.findFirstOrThrow({ where: { id } })).toEqual(before);
  });

  it("applying twice returns ALREADY_MEMBER", async () => {
    const p = await signUp(t, "Twice");
    await p.client.ok(`mutation { applyToTimebank(timebank: "aarhus") { __typename } }`);
    const again = await p.client.ok(`mutation { applyToTimebank(timebank: "aarhus") { ... on ErrorResult { code } } }`);
    expect(again.applyToTimebank).toEqual({ code: "ALREADY_MEMBER" });
  });

  it("a member pauses for a while and comes back without losing anything; a declined applicant may re-apply", async () => {
    const karen = await signUp(t, "Karen");
    const id = await join(karen, coordinator, "aarhus");
    const paused = await karen.client.ok(
      `mutation($id: ID!) { pauseMembership(memberId: $id, plannedReturnOn: "2027-03-01") { ... on Member { status plannedReturnOn pausedAt } } }`,
      { id },
    );
    expect(paused.pauseMembership).toMatchObject({ status: "PAUSED", plannedReturnOn: "2027-03-01" });
    const active = await karen.client.ok(`{ members(timebank: "aarhus") { nodes { id } } }`);
    expect(active.members.nodes.map((n: { id: string }) => n.id)).not.toContain(id);
    const resumed = await coordinator.client.ok(
      `mutation($id: ID!) { resumeMembership(memberId: $id) { ... on Member { status plannedReturnOn } } }`,
      { id },
    );
    expect(resumed.resumeMembership).toEqual({ status: "ACTIVE", plannedReturnOn: null });

    const declined = await signUp(t, "Declined");
    const applied = await declined.client.ok(`mutation { applyToTimebank(timebank: "aarhus") { ... on Member { id } } }`);
    const d = await coordinator.client.ok(`mutation($id: ID!) { declineMembership(memberId: $id) { ... on Member { status } } }`, {
      id: applied.applyToTimebank.id,
    });
    expect(d.declineMembership.status).toBe("DECLINED");
    const again = await declined.client.ok(`mutation { applyToTimebank(timebank: "aarhus") { ... on Member { id status memberNumber } } }`);
    expect(again.applyToTimebank).toMatchObject({ id: applied.applyToTimebank.id, status: "APPLIED" });
  });

  it("roles: the admin makes a coordinator; the last admin can neither step down nor leave", async () => {
    const jonas = await signUp(t, "Jonas");
    const id = await join(jonas, coordinator, "aarhus");
    const promoted = await coordinator.client.ok(
      `mutation($id: ID!) { changeMemberRole(memberId: $id, role: COORDINATOR) { ... on Member { role } } }`,
      { id },
    );
    expect(promoted.changeMemberRole.role).toBe("COORDINATOR");
    // A coordinator is not an admin.
    expect(await jonas.client.errorCode(`mutation($id: ID!) { changeMemberRole(memberId: $id, role: ADMIN) { __typename } }`, { id })).toBe(
      "FORBIDDEN",
    );

    const mine = await coordinator.client.ok(`{ me { memberships { id } } }`);
    const selfDemote = await coordinator.client.ok(
      `mutation($id: ID!) { changeMemberRole(memberId: $id, role: MEMBER) { ... on ErrorResult { code } } }`,
      {
        id: mine.me.memberships[0].id,
      },
    );
    expect(selfDemote.changeMemberRole).toEqual({ code: "LAST_ADMIN" });
    const leave = await coordinator.client.ok(`mutation { leaveTimebank(timebank: "aarhus") { ... on ErrorResult { code } } }`);
    expect(leave.leaveTimebank).toEqual({ code: "LAST_ADMIN" });

    const left = await jonas.client.ok(`mutation { leaveTimebank(timebank: "aarhus") { ... on Member { status leftAt } } }`);
    expect(left.leaveTimebank.status).toBe("LEFT");
  });

  it("only bank admins change settings, and settings are validated", async () => {
    const updated = await coordinator.client.ok(
      `mutation { updateTimebankSettings(timebank: "aarhus", input: { creditFloorMinutes: -1200, autoConfirmAfterDays: 7, timezone: "Europe/Copenhagen" }) { timezone settings { creditFloorMinutes autoConfirmAfterDays } } }`,
    );
    expect(updated.updateTimebankSettings).toEqual({
      timezone: "Europe/Copenhagen",
      settings: { creditFloorMinutes: -1200, autoConfirmAfterDays: 7 },
    });
    expect(
      await coordinator.client.errorCode(
        `mutation { updateTimebankSettings(timebank: "aarhus", input: { creditFloorMinutes: 60 }) { id } }`,
      ),
    ).toBe("BAD_USER_INPUT");
    expect(
      await coordinator.client.errorCode(
        `mutation { updateTimebankSettings(timebank: "aarhus", input: { timezone: "Mars/Olympus" }) { id } }`,
      ),
    ).toBe("BAD_USER_INPUT");
    const member = await signUp(t, "Plain Member");
    await join(member, coordinator, "aarhus");
    expect(
      await member.client.errorCode(`mutation { updateTimebankSettings(timebank: "aarhus", input: { creditFloorMinutes: -60 }) { id } }`),
    ).toBe("FORBIDDEN");
  });

  it("the public directory lists banks; only platform admins create them", async () => {
    const dir = await t.client.ok(`{ timebanks { slug name memberCount categories { slug } } }`);
    expect(dir.timebanks[0]).toMatchObject({ slug: "aarhus" });
    expect(dir.timebanks[0].categories).toHaveLength(12);
    expect(await coordinator.client.errorCode(`mutation { createTimebank(input: { slug: "x-bank", name: "X" }) { __typename } }`)).toBe(
      "FORBIDDEN",
    );
    const taken = await admin.client.ok(
      `mutation { createTimebank(input: { slug: "aarhus", name: "Again" }) { ... on ErrorResult { code } } }`,
    );
    expect(taken.createTimebank).toEqual({ code: "SLUG_TAKEN" });
    expect(await admin.client.errorCode(`mutation { createTimebank(input: { slug: "Not A Slug", name: "X" }) { __typename } }`)).toBe(
      "BAD_USER_INPUT",
    );
  });
});
