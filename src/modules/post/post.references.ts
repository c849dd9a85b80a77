// Other modules' references to a post (an exchange's relatedPostId, ...): a post id names a post
// of the operation's own bank, or the operation is refused. Without this check, an exchange could
// point at another bank's post or at nothing (issue 18, item 6).
import { notFound } from "../../common/errors";
import type { BankContext } from "../../context/context";

/** Refuses (NOT_FOUND, the same for "elsewhere" and "nowhere") a post id that is not a post of `bank`. */
export async function requirePostOfBank(bank: BankContext, postId: string | null, field = "relatedPostId"): Promise<void> {
  if (postId === null) return;
  const post = await bank.db.post.findFirst({ where: { timebankId: bank.bank.id, id: postId }, select: { id: true } });
  if (!post) throw notFound(`post (${field}) in ${bank.bank.slug}`);
}
