// Builds the executable GraphQL schema from the type-graphql resolvers of every module.
import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AuthResolver } from "./modules/auth/auth.resolver";
import { capacityResolvers } from "./modules/capacity/capacity.resolver";
import {
  InstitutionAccountFieldsResolver,
  InstitutionMembershipResolver,
  InstitutionResolver,
  InterBankLegResolver,
  InterBankTransferResolver,
  PartnershipResolver,
  SupervisionResolver,
} from "./modules/federation/federation.resolver";
import { AccountLimitChangeResolver, AccountResolver, MemberAccountResolver, TransferResolver } from "./modules/ledger/ledger.resolver";
import { MemberResolver, SkillResolver } from "./modules/member/member.resolver";
import {
  MatchCandidateResolver,
  MatchResolver,
  MemberVouchResolver,
  PostMatchesResolver,
  SuggestedRequestResolver,
} from "./modules/matching/matching.resolver";
import { MemberEventsResolver } from "./modules/member/member.events";
import { LedgerEventsResolver } from "./modules/ledger/ledger.events";
import { FederationEventsResolver } from "./modules/federation/federation.events";
import { MatchingEventsResolver } from "./modules/matching/matching.events";
import { PostEventsResolver } from "./modules/post/post.events";
import { topicSubscriptionsUnsupported } from "./modules/events/event-bus";
import { PostResolver } from "./modules/post/post.resolver";
import { PrivacyResolver } from "./modules/privacy/privacy.resolver";
import { ActivityResolver, ActivitySignupResolver } from "./modules/activity/activity.resolver";
import {
  ActingLogResolver,
  HelperAuthorisationResolver,
  MemberParticipationResolver,
  MentorPairingResolver,
} from "./modules/helper/helper.resolver";
import {
  InterviewResolver,
  MemberOfflineResolver,
  OnboardingResolver,
  ReferenceResolver,
  SafeguardingCheckResolver,
} from "./modules/onboarding/onboarding.resolver";
import { TimebankResolver } from "./modules/timebank/timebank.resolver";
import { StatisticsResolver } from "./modules/stats/stats.resolver";
import { synchronousResultUnions } from "./common/results";
import { freshMutationAnswers } from "./context/fresh-answers";

/** Issue 9, participation without barriers. */
const participationResolvers = [
  OnboardingResolver,
  InterviewResolver,
  ReferenceResolver,
  SafeguardingCheckResolver,
  MemberOfflineResolver,
  HelperAuthorisationResolver,
  ActingLogResolver,
  MentorPairingResolver,
  MemberParticipationResolver,
  ActivityResolver,
  ActivitySignupResolver,
  PrivacyResolver,
] as const;

export const resolvers = [
  AuthResolver,
  TimebankResolver,
  MemberResolver,
  SkillResolver,
  MemberEventsResolver,
  PostEventsResolver,
  MatchingEventsResolver,
  LedgerEventsResolver,
  FederationEventsResolver,
  ...capacityResolvers,
  PostResolver,
  MatchResolver,
  MatchCandidateResolver,
  SuggestedRequestResolver,
  MemberVouchResolver,
  PostMatchesResolver,
  AccountResolver,
  TransferResolver,
  AccountLimitChangeResolver,
  MemberAccountResolver,
  ...participationResolvers,
  InstitutionResolver,
  InstitutionMembershipResolver,
  SupervisionResolver,
  InstitutionAccountFieldsResolver,
  PartnershipResolver,
  InterBankTransferResolver,
  InterBankLegResolver,
  StatisticsResolver,
] as const;

let cached: Promise<GraphQLSchema> | null = null;

async function build(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers,
    // Inputs are validated in the services, where the rules live and give field-level messages.
    validate: false,
    // Subscriptions take their events from the app's own runtime (ctx.app.events) through
    // `subscribe` functions, because one schema serves every server of the process (tests run
    // two, each with its own pub/sub). type-graphql still asks for a pubSub: this one refuses
    // topic-based subscriptions with a clear message.
    pubSub: topicSubscriptionsUnsupported,
  });
  synchronousResultUnions(schema);
  freshMutationAnswers(schema);
  return schema;
}

/** The schema is the same for every server in a process: build it once. */
export function getSchema(): Promise<GraphQLSchema> {
  cached ??= build();
  return cached;
}
