// Builds the executable GraphQL schema from the type-graphql resolvers of every module.
import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AuthResolver } from "./modules/auth/auth.resolver";
import { MemberResolver, SkillResolver } from "./modules/member/member.resolver";
import { MatchCandidateResolver, MatchResolver, MemberVouchResolver, PostMatchesResolver, SuggestedRequestResolver } from "./modules/matching/matching.resolver";
import { PostResolver } from "./modules/post/post.resolver";
import { PrivacyResolver } from "./modules/privacy/privacy.resolver";
import { ActivityResolver, ActivitySignupResolver } from "./modules/activity/activity.resolver";
import { ActingLogResolver, HelperAuthorisationResolver, MemberParticipationResolver, MentorPairingResolver } from "./modules/helper/helper.resolver";
import { InterviewResolver, MemberOfflineResolver, OnboardingResolver, ReferenceResolver, SafeguardingCheckResolver } from "./modules/onboarding/onboarding.resolver";
import { TimebankResolver } from "./modules/timebank/timebank.resolver";

/** Issue 9, participation without barriers. */
const participationResolvers = [OnboardingResolver, InterviewResolver, ReferenceResolver, SafeguardingCheckResolver, MemberOfflineResolver,
  HelperAuthorisationResolver, ActingLogResolver, MentorPairingResolver, MemberParticipationResolver,
  ActivityResolver, ActivitySignupResolver, PrivacyResolver] as const;

export const resolvers = [AuthResolver, TimebankResolver, MemberResolver, SkillResolver, PostResolver, MatchResolver, MatchCandidateResolver, SuggestedRequestResolver, MemberVouchResolver, PostMatchesResolver, ...participationResolvers] as const;

let cached: Promise<GraphQLSchema> | null = null;

/** The schema is the same for every server in a process: build it once. */
export function getSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers,
    // Inputs are validated in the services, where the rules live and give field-level messages.
    validate: false,
  });
  return cached;
}
