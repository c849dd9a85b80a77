// Building blocks for stories told through GraphQL: people sign up, banks are created, members join.
import type { GraphQLClient } from "./client";
import type { TestServer } from "./server";

export const PASSWORD = "correct horse battery";

export interface Actor {
  personId: string;
  email: string;
  token: string;
  client: GraphQLClient;
}

let counter = 0;

export async function signUp(
  t: TestServer,
  name: string,
  email = `${name.toLowerCase().replace(/\W+/g, ".")}.${++counter}@example.org`,
): Promise<Actor> {
  const data = await t.client.ok(
    `mutation($input: SignUpInput!) { signUp(input: $input) { __typename ... on AuthPayload { token person { id } } ... on ErrorResult { code message } } }`,
    { input: { email, password: PASSWORD, displayName: name } },
  );
  if (data.signUp.__typename !== "AuthPayload") throw new Error(`sign-up failed: ${JSON.stringify(data.signUp)}`);
  return { personId: data.signUp.person.id, email, token: data.signUp.token, client: t.client.withToken(data.signUp.token) };
}

/** Platform admins are appointed by operators, not through the API. */
export async function platformAdmin(t: TestServer): Promise<Actor> {
  const actor = await signUp(t, "Platform Admin");
  await t.db.prisma.person.update({ where: { id: actor.personId }, data: { isPlatformAdmin: true } });
  return actor;
}

export async function createBank(t: TestServer, admin: Actor, slug: string, firstAdmin?: Actor, settings: Record<string, unknown> = {}) {
  const data = await admin.client.ok(
    `mutation($input: CreateTimebankInput!) { createTimebank(input: $input) { __typename ... on Timebank { id slug } ... on ErrorResult { code message } } }`,
    { input: { slug, name: `Timebank ${slug}`, firstAdminEmail: firstAdmin?.email, settings } },
  );
  if (data.createTimebank.__typename !== "Timebank") throw new Error(JSON.stringify(data.createTimebank));
  return data.createTimebank as { id: string; slug: string };
}

export const MEMBERSHIP_FIELDS = `__typename ... on Member { id status role memberNumber } ... on ErrorResult { code message }`;

/** The person applies and the coordinator approves; returns the member id. */
export async function join(member: Actor, coordinator: Actor, slug: string): Promise<string> {
  const applied = await member.client.ok(`mutation($b: String!) { applyToTimebank(timebank: $b) { ${MEMBERSHIP_FIELDS} } }`, { b: slug });
  if (applied.applyToTimebank.__typename !== "Member") throw new Error(JSON.stringify(applied.applyToTimebank));
  const approved = await coordinator.client.ok(`mutation($id: ID!) { approveMembership(memberId: $id) { ${MEMBERSHIP_FIELDS} } }`, {
    id: applied.applyToTimebank.id,
  });
  if (approved.approveMembership.__typename !== "Member") throw new Error(JSON.stringify(approved.approveMembership));
  return applied.applyToTimebank.id;
}

/** Re-logs in so that the token's context sees memberships granted since (tokens carry only the person). */
export async function myMemberId(actor: Actor, slug: string): Promise<string> {
  const data = await actor.client.ok(`{ me { memberships { id timebank { slug } } } }`);
  return data.me.memberships.find((m: { timebank: { slug: string } }) => m.timebank.slug === slug).id;
}
