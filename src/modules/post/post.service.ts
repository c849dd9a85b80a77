// Offers and requests: creation, edits, closing, reading one and browsing a bank's posts with
// full-text search. Every query is filtered by the bank of the context; posts are visible to the
// bank's insiders only (federation visibility is the federation module's to add).
import { recordRequestPosted } from "./post.events";
import { Prisma } from "../../generated/prisma/client";
import type { PostStatus } from "../../generated/prisma/enums";
import { badInput, errorResult, forbidden, notFound } from "../../common/errors";
import { decodeCursor, encodeCursor, pageSize, sliceRows, type Page } from "../../common/pagination";
import * as v from "../../common/validation";
import { bankContext, inTransaction, requireViewer, type BankContext, type RequestContext, inBank } from "../../context/context";
import { isInsider, isStaff, membershipIn, requireInsider } from "../../context/access";
import type { CreatePostInput, PostFilter, UpdatePostInput } from "./post.input";
import {
  effectiveStatus,
  localMoment,
  requiresVouchedHelper,
  validateDates,
  validateDescription,
  validateExpectedMinutes,
  validateExpiry,
  validateTags,
  validateTitle,
  validateWindows,
} from "./post.rules";
import { PostRefused, type Post } from "./post.type";
import { membershipWithPersonColumns, type MembershipWithPersonRow } from "../member/member.loaders";

export type PostResult = Post | PostRefused;

/** The tenant filter of this module: rows of the context's bank only. */

const toDay = (d: string) => new Date(`${d}T00:00:00Z`);

/** The viewer's active membership in the bank: only active members post. */
function requireActiveMember(ctx: BankContext): string {
  const m = requireInsider(ctx);
  if (m.status !== "ACTIVE") throw forbidden("paused members cannot post; resume your membership first");
  return m.membershipId;
}

async function categoryId(ctx: BankContext, slug: string, field = "category"): Promise<string> {
  const category = await ctx.db.category.findFirst({ where: { ...inBank(ctx), slug: slug.trim() }, select: { id: true } });
  if (!category) throw badInput(`unknown category '${slug}' in ${ctx.bank.slug}`, field);
  return category.id;
}

/**
 * Finds a post as the viewer may see it: an insider of its bank. Anything else is NOT_FOUND,
 * whether or not it exists.
 */
export async function findVisiblePost(ctx: RequestContext, rawId: string, field = "id"): Promise<{ post: Post; bank: BankContext }> {
  const viewer = requireViewer(ctx);
  const id = v.id(rawId, field);
  const post = await ctx.loaders.postById.load(id);
  if (!post || !isInsider(membershipIn(viewer, post.timebankId))) throw notFound("post");
  const bank = await ctx.loaders.timebankById.load(post.timebankId);
  return { post, bank: bankContext(ctx, bank!) };
}

export async function getPost(ctx: RequestContext, id: string): Promise<Post> {
  return (await findVisiblePost(ctx, id)).post;
}

/** The author or a coordinator of the post's bank may change it. */
export function canManage(ctx: BankContext, post: Pick<Post, "authorId">): boolean {
  return ctx.membership?.membershipId === post.authorId || isStaff(ctx.membership);
}

export async function createPost(ctx: BankContext, input: CreatePostInput): Promise<Post> {
  const authorId = requireActiveMember(ctx);
  const now = ctx.clock.now();
  const placeMode = input.placeMode ?? "IN_PERSON";
  const availability = validateWindows(input.availability ?? []);
  const dates = validateDates(input.dates ?? [], now, ctx.bank.timezone);
  const data = {
    ...inBank(ctx),
    authorId,
    kind: input.kind,
    title: validateTitle(input.title),
    description: validateDescription(input.description),
    tags: validateTags(input.tags ?? []),
    expectedMinutes: validateExpectedMinutes(input.expectedMinutes),
    placeMode,
    neighbourhood: v.optionalText(input.neighbourhood, "neighbourhood", 80),
    availability: availability as unknown as Prisma.InputJsonValue,
    dates: dates.map(toDay),
    flexible: availability.length === 0 && dates.length === 0,
    visibility: input.visibility ?? "OWN_BANK",
    requiresVouchedHelper: requiresVouchedHelper(input.kind, placeMode, input.requiresVouchedHelper),
    expiresAt: validateExpiry(input.expiresAt, now),
    categoryId: input.category ? await categoryId(ctx, input.category) : null,
    createdAt: now,
    updatedAt: now,
  };
  return inTransaction(ctx, async (tx) => {
    const post = await tx.db.post.create({ data });
    await recordRequestPosted(tx, post);
    return post;
  });
}

const refused = (post: Post, now: Date, what: string) =>
  errorResult(PostRefused, "POST_NOT_OPEN", `cannot ${what} a post that is ${effectiveStatus(post, now).toLowerCase()}`, {
    currentStatus: effectiveStatus(post, now),
  });

async function postToManage(ctx: RequestContext, id: string): Promise<{ post: Post; bank: BankContext }> {
  const found = await findVisiblePost(ctx, id);
  if (!canManage(found.bank, found.post)) throw forbidden("only the author or a coordinator can change this post");
  return found;
}

/** Edits an open post (an expired one too: a new expiry brings it back). Validates everything before writing. */
export async function updatePost(ctx: RequestContext, id: string, input: UpdatePostInput): Promise<PostResult> {
  const { post, bank } = await postToManage(ctx, id);
  const now = ctx.clock.now();
  const data: Prisma.PostUncheckedUpdateManyInput = {};
  if (input.title !== undefined && input.title !== null) data.title = validateTitle(input.title);
  if (input.description !== undefined) data.description = validateDescription(input.description);
  if (input.tags !== undefined && input.tags !== null) data.tags = validateTags(input.tags);
  if (input.expectedMinutes !== undefined) data.expectedMinutes = validateExpectedMinutes(input.expectedMinutes);
  if (input.placeMode !== undefined && input.placeMode !== null) data.placeMode = input.placeMode;
  if (input.neighbourhood !== undefined) data.neighbourhood = v.optionalText(input.neighbourhood, "neighbourhood", 80);
  if (input.visibility !== undefined && input.visibility !== null) data.visibility = input.visibility;
  if (input.expiresAt !== undefined) data.expiresAt = validateExpiry(input.expiresAt, now);
  if (input.category !== undefined) data.categoryId = input.category === null ? null : await categoryId(bank, input.category);
  const windows = input.availability != null ? validateWindows(input.availability) : (post.availability as unknown[]);
  const dates = input.dates != null ? validateDates(input.dates, now, bank.bank.timezone).map(toDay) : post.dates;
  if (input.availability != null) data.availability = windows as unknown as Prisma.InputJsonValue;
  if (input.dates != null) data.dates = dates;
  data.flexible = windows.length === 0 && dates.length === 0;
  const placeMode = input.placeMode ?? post.placeMode;
  if (input.requiresVouchedHelper !== undefined && input.requiresVouchedHelper !== null) {
    data.requiresVouchedHelper = requiresVouchedHelper(post.kind, placeMode, input.requiresVouchedHelper);
  } else if (input.placeMode !== undefined && input.placeMode !== null) {
    data.requiresVouchedHelper = requiresVouchedHelper(post.kind, placeMode, undefined);
  }
  data.updatedAt = now;
  if (post.status !== "OPEN") return refused(post, now, "edit");
  // Guarded: a post closed or matched meanwhile is not edited.
  const updated = await ctx.db.post.updateMany({ where: { ...inBank(bank), id: post.id, status: "OPEN" }, data });
  const current = await ctx.db.post.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(bank), id: post.id } } });
  return updated.count === 1 ? current : refused(current, now, "edit");
}

/** Closes an open or matched post as CANCELLED; open proposals for it are withdrawn. */
export async function closePost(ctx: RequestContext, id: string): Promise<PostResult> {
  const { post, bank } = await postToManage(ctx, id);
  const now = ctx.clock.now();
  return inTransaction(bank, async (tx) => {
    const updated = await tx.db.post.updateMany({
      where: { ...inBank(tx), id: post.id, status: { in: ["OPEN", "MATCHED"] } },
      data: { status: "CANCELLED", closedAt: now, updatedAt: now },
    });
    const current = await tx.db.post.findUniqueOrThrow({ where: { timebankId_id: { ...inBank(tx), id: post.id } } });
    if (updated.count !== 1) return refused(current, now, "close");
    await tx.db.match.updateMany({ where: { ...inBank(tx), requestId: post.id, status: "PROPOSED" }, data: { status: "WITHDRAWN" } });
    return current;
  });
}

interface PostListRow {
  timebankId: string;
  id: string;
  authorId: string;
  kind: Post["kind"];
  title: string;
  description: string;
  categoryId: string | null;
  tags: string[] | null;
  expectedMinutes: number | null;
  placeMode: Post["placeMode"];
  neighbourhood: string | null;
  availability: unknown;
  dates: string[] | null;
  flexible: boolean;
  visibility: Post["visibility"];
  requiresVouchedHelper: boolean;
  expiresAt: Date | null;
  status: PostStatus;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

/** Post columns as Prisma returns them, for raw queries (enums and dates as text). */
export const POST_COLUMNS = Prisma.sql`p."timebankId"::text AS "timebankId", p."id"::text AS "id", p."authorId"::text AS "authorId", p."kind"::text AS "kind",
  p."title", p."description", p."categoryId"::text AS "categoryId", p."tags", p."expectedMinutes", p."placeMode"::text AS "placeMode",
  p."neighbourhood", p."availability", p."dates"::text[] AS "dates", p."flexible", p."visibility"::text AS "visibility",
  p."requiresVouchedHelper", p."expiresAt", p."status"::text AS "status", p."createdAt", p."updatedAt", p."closedAt"`;

/** The columns of a row whose names start with `prefix`, without it. */
function unprefix(row: Record<string, unknown>, prefix: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

/** Turns a raw row into the shape Prisma gives. */
export function postFromRow(row: PostListRow): Post {
  return {
    timebankId: row.timebankId,
    id: row.id,
    authorId: row.authorId,
    kind: row.kind,
    title: row.title,
    description: row.description,
    categoryId: row.categoryId,
    tags: row.tags ?? [],
    expectedMinutes: row.expectedMinutes,
    placeMode: row.placeMode,
    neighbourhood: row.neighbourhood,
    availability: row.availability,
    dates: (row.dates ?? []).map(toDay),
    flexible: row.flexible,
    visibility: row.visibility,
    requiresVouchedHelper: row.requiresVouchedHelper,
    expiresAt: row.expiresAt,
    status: row.status,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    closedAt: row.closedAt,
  };
}

/**
 * A page of the bank's posts, newest first, in ONE SQL statement: the filter, the total count
 * and a keyset cursor on (createdAt, id). Text search uses the tsvector in the bank's language.
 */
/**
 * `withCount`: the client wants totalCount, so the page query counts too (one statement either way).
 * `withAuthors`: the client wants the authors, so the page query reads them (and their names) too.
 */
export async function listPosts(
  ctx: BankContext,
  filter: PostFilter = {},
  first?: number | null,
  after?: string | null,
  { withCount = true, withAuthors = false }: { withCount?: boolean; withAuthors?: boolean } = {},
): Promise<Page<Post>> {
  requireInsider(ctx);
  const size = pageSize(first);
  const cursor = decodeCursor(after, ["number", "string"] as const);
  if (cursor && !/^[0-9a-f-]{36}$/.test(cursor[1])) throw badInput("invalid cursor: pass a cursor this API returned", "after");
  const now = ctx.clock.now();
  const conditions: Prisma.Sql[] = [Prisma.sql`p."timebankId" = ${ctx.bank.id}::uuid`];
  if (filter.kind) conditions.push(Prisma.sql`p."kind" = ${filter.kind}::"PostKind"`);
  if (filter.category) conditions.push(Prisma.sql`p."categoryId" = ${await categoryId(ctx, filter.category)}::uuid`);
  if (filter.tags && filter.tags.length) conditions.push(Prisma.sql`p."tags" && ${validateTags(filter.tags)}::text[]`);
  if (filter.author) conditions.push(Prisma.sql`p."authorId" = ${v.id(filter.author, "author")}::uuid`);
  if (filter.text !== undefined && filter.text !== null) {
    const text = v.text(filter.text, "text", { min: 1, max: 200 });
    conditions.push(Prisma.sql`p."searchVector" @@ plainto_tsquery(timebank_text_search_config(${ctx.bank.locale}), ${text})`);
  }
  if (filter.near !== undefined && filter.near !== null) {
    const near = v.text(filter.near, "near", { min: 1, max: 80 });
    conditions.push(Prisma.sql`(lower(p."neighbourhood") = lower(${near}) OR p."placeMode" IN ('BY_PHONE', 'ONLINE'))`);
  }
  if (filter.availableAt) {
    if (Number.isNaN(filter.availableAt.getTime())) throw badInput("availableAt is not a valid date-time", "availableAt");
    const at = localMoment(filter.availableAt, ctx.bank.timezone);
    conditions.push(Prisma.sql`(p."flexible"
      OR ${at.date}::date = ANY(p."dates")
      OR EXISTS (SELECT 1 FROM jsonb_array_elements(p."availability") w
                  WHERE (w->>'weekday')::int = ${at.weekday} AND (w->>'startMinute')::int <= ${at.minute} AND (w->>'endMinute')::int > ${at.minute}))`);
  }
  const status = filter.status ?? "OPEN";
  if (status === "OPEN") conditions.push(Prisma.sql`p."status" = 'OPEN' AND (p."expiresAt" IS NULL OR p."expiresAt" > ${now})`);
  else if (status === "EXPIRED") conditions.push(Prisma.sql`(p."status" = 'EXPIRED' OR (p."status" = 'OPEN' AND p."expiresAt" <= ${now}))`);
  else conditions.push(Prisma.sql`p."status" = ${status}::"PostStatus"`);
  const where = Prisma.join(conditions, " AND ");
  const keysetCondition = cursor
    ? Prisma.sql`AND (p."createdAt", p."id") < (${new Date(cursor[0])}::timestamptz, ${cursor[1]}::uuid)`
    : Prisma.empty;
  if (!withCount) {
    const authors = withAuthors
      ? Prisma.sql`, ${membershipWithPersonColumns("a", "ap", "author.")} FROM "Post" p JOIN "Membership" a ON a."timebankId" = p."timebankId" AND a."id" = p."authorId" JOIN "Person" ap ON ap."id" = a."personId"`
      : Prisma.sql` FROM "Post" p`;
    const rows = await ctx.db.$queryRaw<(PostListRow & Record<string, unknown>)[]>`
      SELECT ${POST_COLUMNS}${authors} WHERE ${where} ${keysetCondition} ORDER BY p."createdAt" DESC, p."id" DESC LIMIT ${size + 1}`;
    if (withAuthors) ctx.loaders.primeMemberships(rows.map((r) => unprefix(r, "author.") as unknown as MembershipWithPersonRow));
    return sliceRows(rows.map(postFromRow), size, (p) => encodeCursor([p.createdAt.getTime(), p.id]), countOnly);
  }
  const rows = await ctx.db.$queryRaw<(PostListRow & { totalCount: number })[]>`
    WITH matching AS (SELECT p.* FROM "Post" p WHERE ${where})
    SELECT ${POST_COLUMNS}, (SELECT count(*) FROM matching)::int AS "totalCount"
      FROM (SELECT * FROM matching p WHERE true ${keysetCondition} ORDER BY p."createdAt" DESC, p."id" DESC LIMIT ${size + 1}) p
     ORDER BY p."createdAt" DESC, p."id" DESC`;
  // A page past the end has no row to carry the count; only then is it asked for separately.
  const totalCount = rows[0]?.totalCount ?? (cursor ? await countOnly() : 0);
  return sliceRows(rows.map(postFromRow), size, (p) => encodeCursor([p.createdAt.getTime(), p.id]), totalCount);

  async function countOnly(): Promise<number> {
    const [row] = await ctx.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "Post" p WHERE ${where}`;
    return row.n;
  }
}
