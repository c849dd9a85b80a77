import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { PlaceMode, PostKind, PostStatus, PostVisibility } from "../../generated/prisma/enums";
import { ErrorResult } from "../../common/errors";
import { AvailabilityWindow } from "../member/member.type";

registerEnumType(PostKind, {
  name: "PostKind",
  valuesConfig: { OFFER: { description: "Help a member offers." }, REQUEST: { description: "Help a member asks for." } },
});
registerEnumType(PostStatus, {
  name: "PostStatus",
  valuesConfig: {
    OPEN: { description: "Waiting for a match." },
    MATCHED: { description: "A candidate accepted: the help is arranged." },
    DONE: { description: "The help was given." },
    CANCELLED: { description: "Closed by the author or a coordinator." },
    EXPIRED: { description: "Open past its expiry: no longer listed by default." },
  },
});
registerEnumType(PostVisibility, {
  name: "PostVisibility",
  valuesConfig: {
    OWN_BANK: { description: "Members of the author's bank only." },
    FEDERATION: { description: "Also members of partner banks (when the bank federates)." },
  },
});
registerEnumType(PlaceMode, {
  name: "PlaceMode",
  valuesConfig: {
    IN_PERSON: { description: "Meeting somewhere, usually in a neighbourhood." },
    AT_HOME: { description: "In the requester's home: only helpers a coordinator has vouched for, unless the requester says otherwise." },
    BY_PHONE: { description: "By phone: no travel needed." },
    ONLINE: { description: "Online: no travel needed." },
  },
});

/** An offer of help or a request for help: the unit of exchange (A helps B, B is helped by C). */
@ObjectType({ description: "An offer of help or a request for help by a member of a bank." })
export class Post {
  @Field(() => ID)
  id: string;

  @Field(() => PostKind)
  kind: PostKind;

  @Field()
  title: string;

  @Field()
  description: string;

  @Field(() => [String], { description: "Free tags, lower case." })
  tags: string[];

  @Field(() => Int, { nullable: true, description: "How long the help is expected to take, in minutes." })
  expectedMinutes: number | null;

  @Field(() => PlaceMode)
  placeMode: PlaceMode;

  @Field(() => String, { nullable: true })
  neighbourhood: string | null;

  @Field({ description: "True when no weekly windows and no dates are given: any time that suits both." })
  flexible: boolean;

  @Field(() => PostVisibility)
  visibility: PostVisibility;

  @Field({ description: "Only members a coordinator has vouched for may be proposed." })
  requiresVouchedHelper: boolean;

  @Field(() => Date, { nullable: true })
  expiresAt: Date | null;

  @Field()
  createdAt: Date;

  @Field()
  updatedAt: Date;

  @Field(() => Date, { nullable: true })
  closedAt: Date | null;

  /** Stored status; the `status` field shows EXPIRED for open posts past their expiry. */
  status: PostStatus;
  /** JSON array of weekly windows; exposed as `availability`. */
  availability: unknown;
  /** Calendar days; exposed as YYYY-MM-DD strings. */
  dates: Date[];
  timebankId: string;
  authorId: string;
  categoryId: string | null;
}

export type PostRow = Post;

export function windowsOf(post: Pick<Post, "availability">): AvailabilityWindow[] {
  return Array.isArray(post.availability) ? (post.availability as AvailabilityWindow[]) : [];
}

@ObjectType({ implements: ErrorResult, description: "The post is not in a state that allows this (e.g. editing a closed post)." })
export class PostRefused extends ErrorResult {
  @Field(() => PostStatus)
  currentStatus: PostStatus;
}
