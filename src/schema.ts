// Builds the executable GraphQL schema from the type-graphql resolvers of every module.
import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AuthResolver } from "./modules/auth/auth.resolver";
import { InstitutionMembershipResolver, InstitutionResolver, InterBankTransferResolver, PartnershipResolver } from "./modules/federation/federation.resolver";
import { AccountLimitChangeResolver, AccountResolver, MemberAccountResolver, TransferResolver } from "./modules/ledger/ledger.resolver";
import { MemberResolver, SkillResolver } from "./modules/member/member.resolver";
import { TimebankResolver } from "./modules/timebank/timebank.resolver";

export const resolvers = [
  AuthResolver,
  TimebankResolver,
  MemberResolver,
  SkillResolver,
  AccountResolver,
  TransferResolver,
  AccountLimitChangeResolver,
  MemberAccountResolver,
  InstitutionResolver,
  InstitutionMembershipResolver,
  PartnershipResolver,
  InterBankTransferResolver,
] as const;

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
