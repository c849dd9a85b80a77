// Federation building blocks for stories told through GraphQL: institutions, partnerships and
// inter-bank transfers.
import { randomUUID } from "node:crypto";
import type { Actor } from "./world";

export const IBT_FIELDS = `id status purpose message minutes anonymous donorName recipientKind recipientName legTransferId voidReason
  sourceBank { slug } targetBank { slug } createdAt expiresAt approvedAt decidedAt postedAt`;
export const SEND_RESULT = `__typename ... on InterBankTransfer { ${IBT_FIELDS} } ... on ErrorResult { code message }
  ... on NoActivePartnership { partnershipStatus } ... on PurposeNotAllowed { allowedPurposes }
  ... on ExposureCapReached { partnershipId remainingMinutes requestedMinutes } ... on InsufficientBalance { accountId availableMinutes requestedMinutes }
  ... on RecipientCeilingExceeded { requestedMinutes } ... on InstitutionCapReached { institutionId cap requestedMinutes remainingThisMonthMinutes }`;
export const DECISION_RESULT = `__typename ... on InterBankTransfer { ${IBT_FIELDS} } ... on ErrorResult { code message }
  ... on InterBankTransferNotPending { currentStatus } ... on ApprovalRefused { reason } ... on NoActivePartnership { partnershipStatus }`;
export const PARTNERSHIP_RESULT = `__typename ... on Partnership { id status purposes proposerToPartnerCapMinutes partnerToProposerCapMinutes incomingNeedsAcceptance pendingExpiryHours
  proposerBank { slug } partnerBank { slug } } ... on ErrorResult { code message } ... on PartnershipStateConflict { currentStatus } ... on PartnershipExists { partnershipId }`;

export async function createInstitution(actor: Actor, name: string, kind: string): Promise<string> {
  const data = await actor.client.ok(`mutation($input: CreateInstitutionInput!) { createInstitution(input: $input) { id name kind } }`, {
    input: { name, kind },
  });
  return data.createInstitution.id;
}

export async function addInstitutionToBank(actor: Actor, input: Record<string, unknown>) {
  const data = await actor.client.ok(
    `mutation($input: AddInstitutionToBankInput!) { addInstitutionToBank(input: $input) { __typename ... on InstitutionMembership { id account { id kind balanceMinutes } } ... on ErrorResult { code message } } }`,
    { input },
  );
  return data.addInstitutionToBank;
}

export async function addDelegate(actor: Actor, institutionId: string, delegate: Actor, role: string) {
  await actor.client.ok(
    `mutation($i: ID!, $e: String!, $r: String!) { addInstitutionDelegate(institutionId: $i, email: $e, role: $r) { id } }`,
    {
      i: institutionId,
      e: delegate.email,
      r: role,
    },
  );
}

export async function propose(actor: Actor, input: Record<string, unknown>) {
  return (
    await actor.client.ok(`mutation($input: ProposePartnershipInput!) { proposePartnership(input: $input) { ${PARTNERSHIP_RESULT} } }`, {
      input,
    })
  ).proposePartnership;
}

export async function partnershipMutation(
  actor: Actor,
  name: "acceptPartnership" | "suspendPartnership" | "resumePartnership" | "endPartnership",
  id: string,
) {
  return (await actor.client.ok(`mutation($id: ID!) { ${name}(id: $id) { ${PARTNERSHIP_RESULT} } }`, { id }))[name];
}

export async function send(actor: Actor, input: Record<string, unknown>) {
  const data = await actor.client.ok(
    `mutation($input: SendHoursToOtherBankInput!) { sendHoursToOtherBank(input: $input) { ${SEND_RESULT} } }`,
    {
      input: { idempotencyKey: randomUUID(), ...input },
    },
  );
  return data.sendHoursToOtherBank;
}

export type DecisionName = "approveInterBankTransfer" | "refuseInterBankTransfer" | "acceptInterBankTransfer" | "declineInterBankTransfer";

export async function decide(actor: Actor, name: DecisionName, id: string, reason?: string) {
  const withReason = name === "refuseInterBankTransfer" || name === "declineInterBankTransfer";
  const data = await actor.client.ok(
    withReason
      ? `mutation($id: ID!, $r: String) { ${name}(id: $id, reason: $r) { ${DECISION_RESULT} } }`
      : `mutation($id: ID!) { ${name}(id: $id) { ${DECISION_RESULT} } }`,
    withReason ? { id, r: reason ?? null } : { id },
  );
  return data[name];
}

export async function position(actor: Actor, partnershipId: string, slug: string) {
  const data = await actor.client.ok(
    `query($id: ID!, $b: String!) { partnershipPosition(partnershipId: $id, timebank: $b) { netSentMinutes pendingOutgoingMinutes pendingIncomingMinutes outgoingCapMinutes incomingCapMinutes
      clearingAccount { id kind balanceMinutes floorMinutes ceilingMinutes } partnerBank { slug } } }`,
    { id: partnershipId, b: slug },
  );
  return data.partnershipPosition;
}
