// Banks: the public directory, creation by platform admins, settings by bank admins.
import { Prisma } from "../../generated/prisma/client";
import type { Timebank } from "../../generated/prisma/client";
import { badInput, errorResult, notFound } from "../../common/errors";
import * as v from "../../common/validation";
import { bankContext, inTransaction, requireViewer, type BankContext, type RequestContext } from "../../context/context";
import { requireBankAdmin, requirePlatformAdmin } from "../../context/access";
import type { CreateTimebankInput, TimebankSettingsInput } from "./timebank.input";
import { SlugTaken } from "./timebank.type";
import { openMemberAccount, openPotAccount } from "../ledger/ledger.accounts";

/** The services timebanks commonly exchange; every new bank starts with these categories. */
export const DEFAULT_CATEGORIES: ReadonlyArray<{ slug: string; name: string }> = [
  { slug: "translation-letters", name: "Translation and letters" },
  { slug: "shared-meals", name: "Shared meals" },
  { slug: "pet-care", name: "Pet care" },
  { slug: "shopping-errands", name: "Shopping and errands" },
  { slug: "transport", name: "Transport" },
  { slug: "homework-help", name: "Homework help" },
  { slug: "listening-phone-friend", name: "Listening and phone friendship" },
  { slug: "repairs-bikes", name: "Repairs and bikes" },
  { slug: "gardening", name: "Gardening" },
  { slug: "language-practice", name: "Language practice" },
  { slug: "it-help", name: "IT help" },
  { slug: "handicrafts", name: "Handicrafts" },
];

export const MAX_LIMIT_MINUTES = 100_000;

export async function listTimebanks(ctx: RequestContext): Promise<Timebank[]> {
  return ctx.db.timebank.findMany({ orderBy: { name: "asc" } });
}

export async function findBySlug(ctx: RequestContext, slug: string): Promise<Timebank> {
  const bank = v.SLUG.test(slug) ? await ctx.loaders.timebankBySlug.load(slug) : null;
  if (!bank) throw notFound(`timebank '${slug}'`);
  return bank;
}

/** Resolves the bank a request works in, once, into a BankContext. */
export async function forBank(ctx: RequestContext, slug: string): Promise<BankContext> {
  return bankContext(ctx, await findBySlug(ctx, slug));
}

export async function forBankId(ctx: RequestContext, timebankId: string): Promise<BankContext> {
  const bank = await ctx.loaders.timebankById.load(timebankId);
  if (!bank) throw notFound("timebank");
  return bankContext(ctx, bank);
}

type SettingsData = Partial<
  Pick<
    Timebank,
    | "name"
    | "locale"
    | "timezone"
    | "region"
    | "creditFloorMinutes"
    | "balanceCeilingMinutes"
    | "exchangeConfirmation"
    | "membersMayRecordExchanges"
    | "autoConfirmAfterDays"
  >
>;

/** Validates settings; `current` supplies the values the input leaves out (for the floor/ceiling order rule). */
export function validateSettings(
  input: TimebankSettingsInput,
  current?: Pick<Timebank, "creditFloorMinutes" | "balanceCeilingMinutes">,
): SettingsData {
  const data: SettingsData = {};
  if (input.name !== undefined && input.name !== null) data.name = v.text(input.name, "name", { min: 2, max: 120 });
  if (input.locale !== undefined && input.locale !== null) data.locale = v.locale(input.locale);
  if (input.timezone !== undefined && input.timezone !== null) data.timezone = v.timezone(input.timezone);
  if (input.region !== undefined) data.region = v.optionalText(input.region, "region", 120);
  if (input.creditFloorMinutes !== undefined && input.creditFloorMinutes !== null) {
    data.creditFloorMinutes = v.intInRange(input.creditFloorMinutes, "creditFloorMinutes", -MAX_LIMIT_MINUTES, 0);
  }
  if (input.balanceCeilingMinutes !== undefined && input.balanceCeilingMinutes !== null) {
    // A ceiling of 0 would let nobody earn an hour: every exchange would be refused.
    data.balanceCeilingMinutes = v.intInRange(input.balanceCeilingMinutes, "balanceCeilingMinutes", 1, MAX_LIMIT_MINUTES);
  }
  if (input.exchangeConfirmation !== undefined && input.exchangeConfirmation !== null)
    data.exchangeConfirmation = input.exchangeConfirmation;
  if (input.membersMayRecordExchanges !== undefined && input.membersMayRecordExchanges !== null) {
    data.membersMayRecordExchanges = input.membersMayRecordExchanges;
  }
  if (input.autoConfirmAfterDays !== undefined) {
    data.autoConfirmAfterDays =
      input.autoConfirmAfterDays === null ? null : v.intInRange(input.autoConfirmAfterDays, "autoConfirmAfterDays", 1, 365);
  }
  const floor = data.creditFloorMinutes ?? current?.creditFloorMinutes ?? 0;
  const ceiling = data.balanceCeilingMinutes ?? current?.balanceCeilingMinutes ?? 0;
  if (floor > ceiling) throw badInput("creditFloorMinutes must not be above balanceCeilingMinutes", "creditFloorMinutes");
  return data;
}

export async function createTimebank(ctx: RequestContext, input: CreateTimebankInput): Promise<Timebank | SlugTaken> {
  const admin = requirePlatformAdmin(ctx);
  const data = {
    slug: v.slug(input.slug),
    ...validateSettings(
      { ...input.settings, name: input.name, locale: input.locale, timezone: input.timezone, region: input.region },
      { creditFloorMinutes: -600, balanceCeilingMinutes: 6000 },
    ),
  };
  let firstAdminId = admin.personId;
  if (input.firstAdminEmail) {
    const email = v.normaliseEmail(input.firstAdminEmail, "firstAdminEmail");
    const person = await ctx.db.person.findUnique({ where: { email }, select: { id: true } });
    if (!person) throw badInput("no person with that email has signed up yet", "firstAdminEmail");
    firstAdminId = person.id;
  }
  if (await ctx.db.timebank.findUnique({ where: { slug: data.slug }, select: { id: true } })) {
    return errorResult(SlugTaken, "SLUG_TAKEN", `the slug '${data.slug}' is already used by another bank`);
  }
  try {
    return await inTransaction(ctx, async (tx) => {
      const now = tx.clock.now();
      const bank = await tx.db.timebank.create({ data: { ...data, name: data.name!, nextMemberNumber: 2 } });
      await tx.db.category.createMany({ data: DEFAULT_CATEGORIES.map((c) => ({ ...c, timebankId: bank.id })) });
      const firstAdmin = await tx.db.membership.create({
        data: {
          timebankId: bank.id,
          personId: firstAdminId,
          role: "ADMIN",
          status: "ACTIVE",
          memberNumber: 1,
          appliedAt: now,
          approvedById: admin.personId,
          approvedAt: now,
          joinedAt: now,
          profile: { create: {} },
        },
      });
      await openPotAccount(tx.db, bank.id, now);
      await openMemberAccount(tx.db, bank, firstAdmin.id, now);
      return bank;
    });
  } catch (err) {
    // Two creations racing for one slug: the unique index decides.
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      return errorResult(SlugTaken, "SLUG_TAKEN", `the slug '${data.slug}' is already used by another bank`);
    }
    throw err;
  }
}

export async function updateSettings(ctx: BankContext, input: TimebankSettingsInput): Promise<Timebank> {
  requireViewer(ctx);
  requireBankAdmin(ctx);
  const data = validateSettings(input, ctx.bank);
  return ctx.db.timebank.update({ where: { id: ctx.bank.id }, data });
}
