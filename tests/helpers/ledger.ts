// Ledger building blocks for stories told through GraphQL.
import { randomUUID } from "node:crypto";
import type { Actor } from "./world";

export const ACCOUNT_FIELDS = `id kind status balanceMinutes pendingOutMinutes pendingInMinutes availableMinutes floorMinutes ceilingMinutes`;
export const TRANSFER_FIELDS = `id kind status minutes memo groupId reversesTransferId reversedById voidReason createdAt postedAt recordedBy
  debit { accountId kind memberId displayName } credit { accountId kind memberId displayName }`;
export const RESULT = `__typename ... on Transfer { ${TRANSFER_FIELDS} } ... on ErrorResult { code message }
  ... on InsufficientBalance { accountId availableMinutes requestedMinutes } ... on CeilingExceeded { accountId roomMinutes requestedMinutes }
  ... on AccountNotActive { accountId accountStatus }`;

export const key = () => randomUUID();

/** The actor's own account in a bank. */
export async function myAccount(actor: Actor, slug: string) {
  const data = await actor.client.ok(`query($b: String) { myAccounts(timebank: $b) { ${ACCOUNT_FIELDS} } }`, { b: slug });
  if (data.myAccounts.length !== 1) throw new Error(`expected one account, got ${JSON.stringify(data.myAccounts)}`);
  return data.myAccounts[0];
}

export async function balanceOf(actor: Actor, accountId: string): Promise<number> {
  const data = await actor.client.ok(`query($id: ID!) { account(id: $id) { balanceMinutes } }`, { id: accountId });
  return data.account.balanceMinutes;
}

export async function recordExchange(actor: Actor, input: Record<string, unknown>) {
  const data = await actor.client.ok(`mutation($input: RecordExchangeInput!) { recordExchange(input: $input) { ${RESULT} } }`, {
    input: { idempotencyKey: key(), ...input },
  });
  return data.recordExchange;
}
