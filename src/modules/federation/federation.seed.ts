// Demo federation for `npm start` on an empty database: the Gloucester prison, a victims'
// charity, an insurer and a clinic as institutions; the prison's bank and the families' bank
// in partnership (and the clinic's bank with the families' bank); Dave's hours already with his
// daughter Emma, and Lee's anonymous donation to the charity waiting for prison staff.
// Everything moves through the same code as the API, so the demo books verify clean.
import type { InstitutionKind } from "../../generated/prisma/enums";
import type { Tx } from "../ledger/ledger.engine";
import { requestHash } from "../ledger/ledger.rules";
import { openClearingAccounts } from "./federation.partners";
import { OWNED, send, transition, type OwnedAccount } from "./federation.transfers";

interface DemoInstitution {
  name: string;
  kind: InstitutionKind;
  bank: string;
  delegate?: { email: string; role: string };
  requiresApprovalOfMembersOutgoing?: boolean;
  acceptsHoursAsPayment?: boolean;
  paymentCapPerMemberMinutes?: number;
  supervises?: string[];
}

const DEMO_INSTITUTIONS: DemoInstitution[] = [
  {
    name: "HMP Gloucester",
    kind: "PRISON",
    bank: "gloucester-prison",
    delegate: { email: "sarah@prison.example", role: "Bike workshop officer" },
    requiresApprovalOfMembersOutgoing: true,
    supervises: ["dave@prison.example", "lee@prison.example"],
  },
  {
    name: "Victim Support Gloucestershire",
    kind: "CHARITY",
    bank: "gloucester-families",
    delegate: { email: "priya@families.example", role: "Liaison" },
  },
  {
    name: "Severn Mutual Insurance",
    kind: "INSURER",
    bank: "gloucester-families",
    acceptsHoursAsPayment: true,
    paymentCapPerMemberMinutes: 120,
  },
  {
    name: "Riverside GP Practice",
    kind: "CLINIC",
    bank: "riverside-clinic",
    delegate: { email: "grace@clinic.example", role: "Link worker" },
  },
];

/** Institutions, partnerships and two inter-bank transfers, inside the seed's transaction (after the demo ledger). */
export async function seedDemoFederation(tx: Tx, now: Date): Promise<void> {
  const banks = new Map((await tx.timebank.findMany()).map((b) => [b.slug, b]));
  const person = async (email: string) => (await tx.person.findUniqueOrThrow({ where: { email } })).id;
  const admin = (await tx.person.findFirstOrThrow({ where: { isPlatformAdmin: true } })).id;
  const institutionIds = new Map<string, string>();
  for (const d of DEMO_INSTITUTIONS) {
    const bank = banks.get(d.bank)!;
    const institution = await tx.institution.create({ data: { name: d.name, kind: d.kind, createdById: admin, createdAt: now } });
    institutionIds.set(d.name, institution.id);
    const account = await tx.account.create({
      data: {
        timebankId: bank.id,
        kind: "INSTITUTION",
        floorMinutes: bank.creditFloorMinutes,
        ceilingMinutes: bank.balanceCeilingMinutes,
        openedAt: now,
        updatedAt: now,
      },
    });
    const im = await tx.institutionMembership.create({
      data: {
        timebankId: bank.id,
        institutionId: institution.id,
        accountId: account.id,
        requiresApprovalOfMembersOutgoing: d.requiresApprovalOfMembersOutgoing ?? false,
        acceptsHoursAsPayment: d.acceptsHoursAsPayment ?? false,
        paymentCapPerMemberMinutes: d.paymentCapPerMemberMinutes ?? null,
        // Attached by the platform admin who created it: proposing is consenting.
        status: "ACTIVE",
        proposedById: admin,
        acceptedById: admin,
        acceptedAt: now,
        createdAt: now,
      },
    });
    if (d.delegate)
      await tx.institutionDelegate.create({
        data: { institutionId: institution.id, personId: await person(d.delegate.email), role: d.delegate.role, createdAt: now },
      });
    for (const email of d.supervises ?? []) {
      const membership = await tx.membership.findUniqueOrThrow({
        where: { timebankId_personId: { timebankId: bank.id, personId: await person(email) } },
      });
      await tx.institutionSupervision.create({
        data: {
          timebankId: bank.id,
          membershipId: membership.id,
          institutionMembershipId: im.id,
          createdById: await person(d.delegate!.email),
          createdAt: now,
        },
      });
    }
  }

  const partner = async (
    a: string,
    b: string,
    proposer: string,
    accepter: string,
    data: {
      purposes: ("FAMILY_SUPPORT" | "CHARITY" | "INSTITUTIONAL_SERVICE" | "GENERAL")[];
      out: number;
      in: number;
      acceptance: boolean;
    },
  ) => {
    const p = await tx.partnership.create({
      data: {
        proposerBankId: banks.get(a)!.id,
        partnerBankId: banks.get(b)!.id,
        status: "ACTIVE",
        purposes: data.purposes,
        proposerToPartnerCapMinutes: data.out,
        partnerToProposerCapMinutes: data.in,
        incomingNeedsAcceptance: data.acceptance,
        proposedById: await person(proposer),
        acceptedById: await person(accepter),
        createdAt: now,
        activatedAt: now,
        updatedAt: now,
      },
    });
    await openClearingAccounts(tx, p, now);
  };
  await partner("gloucester-prison", "gloucester-families", "sarah@prison.example", "priya@families.example", {
    purposes: ["FAMILY_SUPPORT", "CHARITY"],
    out: 1200,
    in: 600,
    acceptance: true,
  });
  await partner("riverside-clinic", "gloucester-families", "grace@clinic.example", "priya@families.example", {
    purposes: ["GENERAL", "INSTITUTIONAL_SERVICE"],
    out: 600,
    in: 600,
    acceptance: false,
  });

  const memberAccount = async (slug: string, email: string): Promise<OwnedAccount> =>
    tx.account.findFirstOrThrow({
      where: { timebankId: banks.get(slug)!.id, membership: { personId: await person(email) } },
      include: OWNED,
    });
  const prison = banks.get("gloucester-prison")!;
  const families = banks.get("gloucester-families")!;
  const env = { db: tx, bank: prison, now };
  const demoSend = async (
    key: string,
    from: string,
    recipient: Awaited<ReturnType<typeof memberAccount>>,
    kind: "MEMBER" | "INSTITUTION",
    minutes: number,
    purpose: "FAMILY_SUPPORT" | "CHARITY",
    message: string,
    anonymous: boolean,
  ) => {
    const sender = await memberAccount("gloucester-prison", from);
    const personId = await person(from);
    return send(env, {
      sender,
      recipient: { kind, account: recipient },
      target: families,
      minutes,
      purpose,
      message,
      anonymous,
      key,
      hash: requestHash("demo", personId, { key }),
      personId,
    });
  };

  // Dave's hours reached Emma: sent, approved by Sarah, accepted by Priya.
  const toEmma = await demoSend(
    "demo-federation-1",
    "dave@prison.example",
    await memberAccount("gloucester-families", "emma@families.example"),
    "MEMBER",
    120,
    "FAMILY_SUPPORT",
    "For your maths lessons. Love, Dad",
    false,
  );
  const approved = await transition(
    tx,
    toEmma,
    ["PENDING_APPROVAL"],
    "PENDING_ACCEPTANCE",
    { personId: await person("sarah@prison.example"), approval: true },
    now,
  );
  await transition(tx, approved!, ["PENDING_ACCEPTANCE"], "POSTED", { personId: await person("priya@families.example") }, now);

  // Lee's anonymous donation to the victims' charity waits for prison staff (log in as sarah@prison.example to approve it).
  const charity = await tx.account.findFirstOrThrow({
    where: { timebankId: families.id, institutionMembership: { institutionId: institutionIds.get("Victim Support Gloucestershire")! } },
    include: OWNED,
  });
  await demoSend("demo-federation-2", "lee@prison.example", charity, "INSTITUTION", 30, "CHARITY", "I am sorry for what I did.", true);
}
