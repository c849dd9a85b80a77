import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { MatchStatus } from "../../generated/prisma/enums";
import { ErrorResult } from "../../common/errors";
import { Member } from "../member/member.type";
import { Post } from "../post/post.type";

registerEnumType(MatchStatus, {
  name: "MatchStatus",
  valuesConfig: {
    PROPOSED: { description: "Proposed by a coordinator or the requester; waiting for the candidate." },
    ACCEPTED: { description: "The candidate said yes: the request is MATCHED." },
    DECLINED: { description: "The candidate said no: they are not proposed for this request again." },
    WITHDRAWN: { description: "Withdrawn by the proposer, or another candidate was matched first." },
  },
});

@ObjectType({ description: "One factor of a match score: contribution = weight × value." })
export class MatchFactor {
  @Field({ description: "skill, text, availability, place, language, reciprocity, inclusion or recentLoad." })
  name: string;

  @Field(() => Float, { description: "The bank's weight for this factor." })
  weight: number;

  @Field(() => Float, { description: "0..1 (recentLoad: -1..0, a penalty)." })
  value: number;

  @Field(() => Float)
  contribution: number;
}

@ObjectType({ description: "A member who could meet a request, with their best-fitting offer, the score and why." })
export class MatchCandidate {
  @Field(() => Member)
  member: Member;

  @Field(() => Float, { description: "Higher is better; 1 is a perfect fit with no recent load." })
  score: number;

  @Field(() => [String], { description: "The strongest reasons, in words." })
  reasons: string[];

  @Field(() => [MatchFactor])
  factors: MatchFactor[];

  offerId: string | null;
}

@ObjectType({ description: "An open request the viewer could meet, ranked as matchesForRequest ranks candidates." })
export class SuggestedRequest {
  @Field(() => Post)
  request: Post;

  @Field(() => Float)
  score: number;

  @Field(() => [String])
  reasons: string[];

  @Field(() => [MatchFactor])
  factors: MatchFactor[];

  offerId: string | null;
}

@ObjectType({ description: "Two members who can each meet a need of the other: where timebanks build the strongest ties." })
export class ReciprocalPair {
  @Field(() => Member)
  a: Member;

  @Field(() => Member)
  b: Member;

  @Field(() => [String], { description: "What a can do for b." })
  aCanHelpBWith: string[];

  @Field(() => [String], { description: "What b can do for a." })
  bCanHelpAWith: string[];

  @Field(() => [String], { description: "b's needs a can meet: titles of open requests (quoted) and needs on b's profile." })
  aHelpsBFor: string[];

  @Field(() => [String], { description: "a's needs b can meet." })
  bHelpsAFor: string[];
}

@ObjectType({
  description: "Candidates for a request, and what the list leaves out: an empty list with nobodyFits says no member can do it.",
})
export class RequestMatches {
  @Field(() => [MatchCandidate], { description: "Members who can do it and whom the request does not rule out, best first." })
  candidates: MatchCandidate[];

  @Field({ description: "True when no member can do it (rather than listing members who cannot)." })
  nobodyFits: boolean;

  @Field(() => Int, { description: "Members who could do it but do not speak the language the request names." })
  ruledOutByLanguage: number;

  @Field(() => Int, { description: "Members who could do it but live farther than the bank's radius (help in person)." })
  ruledOutByDistance: number;

  @Field(() => Int, { description: "Members who could do it but are not available when the request asks." })
  ruledOutByTime: number;
}

@ObjectType({ description: "One way to say an activity, in a language." })
export class ActivityTerm {
  @Field({ description: "ISO 639-1 code." }) language: string;
  @Field() phrase: string;
}

@ObjectType({ description: "A canonical activity of the matching vocabulary." })
export class MatchingActivity {
  @Field() id: string;
  @Field({ description: "The slug of the default category it belongs to." }) category: string;
  @Field({ description: "Closely related activities share a group (a helper for one is a fair guess for the other)." }) group: string;
  @Field() name: string;
  @Field(() => [ActivityTerm]) terms: ActivityTerm[];
}

@ObjectType({ description: "A phrase a bank's coordinators added as another way to say an activity." })
export class MatchingSynonym {
  @Field(() => ID) id: string;
  @Field({ description: "The activity's id (see matchingActivities)." }) activityId: string;
  @Field() phrase: string;
  @Field() createdAt: Date;
  timebankId: string;
}

@ObjectType({ description: "A proposal that a member meets a request, and its answer." })
export class Match {
  @Field(() => ID)
  id: string;

  @Field(() => MatchStatus)
  status: MatchStatus;

  @Field(() => Float, { description: "The score when the match was proposed." })
  score: number;

  @Field()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  respondedAt: Date | null;

  /** JSON array of MatchFactor, the snapshot at proposal time. */
  factors: unknown;
  timebankId: string;
  requestId: string;
  candidateId: string;
  offerId: string | null;
  proposedById: string;
}

@ObjectType({
  implements: ErrorResult,
  description: "The match cannot be made or answered (a hard rule, or the request or match moved on).",
})
export class MatchRefused extends ErrorResult {}

@ObjectType({ description: "A coordinator's word that the member may be sent into people's homes." })
export class Vouch {
  @Field()
  vouchedAt: Date;

  @Field()
  note: string;

  vouchedById: string;
  timebankId: string;
}

@ObjectType({ description: "How the bank weighs the matching factors (0 to 1 each)." })
export class MatchingWeights {
  @Field(() => Float) skill: number;
  @Field(() => Float) text: number;
  @Field(() => Float) availability: number;
  @Field(() => Float) place: number;
  @Field(() => Float) language: number;
  @Field(() => Float) reciprocity: number;
  @Field(() => Float) inclusion: number;
  @Field(() => Float, { description: "Weight of the penalty for members asked often recently." }) recentLoad: number;
}

@InputType({ description: "New weights; omitted ones keep their value. Each from 0 to 1." })
export class MatchingWeightsInput {
  @Field(() => Float, { nullable: true }) skill?: number;
  @Field(() => Float, { nullable: true }) text?: number;
  @Field(() => Float, { nullable: true }) availability?: number;
  @Field(() => Float, { nullable: true }) place?: number;
  @Field(() => Float, { nullable: true }) language?: number;
  @Field(() => Float, { nullable: true }) reciprocity?: number;
  @Field(() => Float, { nullable: true }) inclusion?: number;
  @Field(() => Float, { nullable: true }) recentLoad?: number;
}
