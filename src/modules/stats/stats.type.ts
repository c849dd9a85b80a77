import { Field, Float, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { AgeBand, InstitutionKind, JoinReason, LifeSituation, StatsPeriodKind, TransferPurpose } from "../../generated/prisma/enums";

registerEnumType(AgeBand, { name: "AgeBand", description: "Self-reported age band." });
registerEnumType(LifeSituation, {
  name: "LifeSituation",
  description: "Self-reported situation: employed, outside the labour market, retired, student, other.",
});
registerEnumType(JoinReason, { name: "JoinReason", description: "Why the member joined, self-reported." });
registerEnumType(StatsPeriodKind, { name: "StatsPeriodKind", description: "Calendar months, or ISO weeks from Monday (UTC)." });

export enum StatsGrouping {
  NATIONAL = "NATIONAL",
  REGION = "REGION",
  BANK = "BANK",
}
registerEnumType(StatsGrouping, {
  name: "StatsGrouping",
  description: "One row per period for the whole country, per region, or per bank.",
});

@ObjectType({ description: "A member's own participation answers (given with consent, read by statistics only in aggregate)." })
export class Participation {
  @Field(() => AgeBand, { nullable: true })
  ageBand: AgeBand | null;

  @Field(() => LifeSituation, { nullable: true })
  situation: LifeSituation | null;

  @Field(() => [JoinReason])
  joinReasons: JoinReason[];

  @Field()
  consentedAt: Date;
}

@InputType({ description: "Participation answers: all optional; consent must be true to store them, false withdraws and erases them." })
export class ParticipationInput {
  @Field({ description: "The member agrees that these answers are counted, anonymously, in statistics." })
  consent: boolean;

  @Field(() => AgeBand, { nullable: true })
  ageBand?: AgeBand | null;

  @Field(() => LifeSituation, { nullable: true })
  situation?: LifeSituation | null;

  @Field(() => [JoinReason], { nullable: true })
  joinReasons?: JoinReason[] | null;
}

@ObjectType({ description: "A published figure: its value, or null when it counts too few people (suppressed)." })
export class StatFigure {
  @Field(() => Float, { nullable: true })
  value: number | null;

  @Field({ description: "True when the value is withheld to protect small groups (or to protect another withheld cell)." })
  suppressed: boolean;
}

@InputType()
export class StatisticsInput {
  @Field(() => StatsPeriodKind)
  periodKind: StatsPeriodKind;

  @Field({ description: "First day (YYYY-MM-DD): the period containing it is the first." })
  from: string;

  @Field({ description: "Last day (YYYY-MM-DD): the period containing it is the last." })
  to: string;

  @Field(() => StatsGrouping, { defaultValue: StatsGrouping.BANK })
  grouping: StatsGrouping;

  @Field(() => String, { nullable: true, description: "Only this bank (slug)." })
  timebank?: string | null;
}

@ObjectType({ description: "Members and exchanges of one group in one period." })
export class MemberFigures {
  @Field({ description: "First day of the period (YYYY-MM-DD)." })
  period: string;

  @Field({ description: "The bank's slug, the region, or ALL." })
  group: string;

  @Field()
  groupName: string;

  @Field(() => StatFigure, { description: "Members at the period's end (active or paused)." })
  membersTotal: StatFigure;

  @Field(() => StatFigure, { description: "Members with at least one posted exchange in the 90 days before the period's end." })
  membersActive: StatFigure;

  @Field(() => StatFigure)
  membersNew: StatFigure;

  @Field(() => StatFigure)
  membersPaused: StatFigure;

  @Field(() => StatFigure)
  membersLeft: StatFigure;

  @Field(() => StatFigure)
  institutions: StatFigure;

  @Field(() => StatFigure)
  exchanges: StatFigure;

  @Field(() => StatFigure)
  hoursExchanged: StatFigure;

  @Field(() => StatFigure, { description: "Share of members who both gave and received in the period." })
  reciprocityShare: StatFigure;

  @Field(() => StatFigure, { description: "Share of members who had never taken part in an exchange by the period's end." })
  neverExchangedShare: StatFigure;

  @Field(() => StatFigure, { description: "Members who consented to count their participation answers." })
  participationConsented: StatFigure;
}

@ObjectType({ description: "Exchanges of one category, one group, one period." })
export class CategoryFigures {
  @Field()
  period: string;

  @Field()
  group: string;

  @Field()
  groupName: string;

  @Field({ description: "The category's slug ('' for exchanges not tied to an offer or request)." })
  category: string;

  @Field(() => StatFigure)
  exchanges: StatFigure;

  @Field(() => StatFigure)
  hours: StatFigure;

  @Field(() => StatFigure, { description: "Distinct members who gave or received." })
  participants: StatFigure;
}

@ObjectType({ description: "Posted inter-bank transfers from one bank to another, by purpose." })
export class InterBankFlowFigures {
  @Field()
  period: string;

  @Field()
  fromBank: string;

  @Field()
  toBank: string;

  @Field(() => TransferPurpose)
  purpose: TransferPurpose;

  @Field(() => StatFigure)
  transfers: StatFigure;

  @Field(() => StatFigure)
  hours: StatFigure;
}

@ObjectType({ description: "A bank's hours sent to and received from other banks in a period." })
export class NetPositionFigures {
  @Field()
  period: string;

  @Field()
  bank: string;

  @Field(() => StatFigure)
  hoursSent: StatFigure;

  @Field(() => StatFigure)
  hoursReceived: StatFigure;

  @Field(() => StatFigure, { description: "Received minus sent." })
  netHours: StatFigure;
}

@ObjectType({ description: "Hours earned and given by institutions of one kind." })
export class InstitutionFigures {
  @Field()
  period: string;

  @Field()
  group: string;

  @Field()
  groupName: string;

  @Field(() => InstitutionKind)
  institutionKind: InstitutionKind;

  @Field(() => StatFigure)
  hoursEarned: StatFigure;

  @Field(() => StatFigure)
  hoursGiven: StatFigure;
}

@ObjectType({ description: "Consenting members giving one answer: how many, and their share of those who answered." })
export class ParticipationFigures {
  @Field()
  period: string;

  @Field()
  group: string;

  @Field()
  groupName: string;

  @Field({ description: "AGE_BAND, SITUATION or JOIN_REASON." })
  dimension: string;

  @Field()
  answer: string;

  @Field(() => StatFigure)
  members: StatFigure;

  @Field(() => StatFigure, { description: "Of the consenting members of the group." })
  share: StatFigure;

  @Field(() => StatFigure, { description: "Of these, active (an exchange in the last 90 days)." })
  active: StatFigure;
}

@ObjectType({ description: "Anonymised statistics: counts only, small cells suppressed." })
export class StatisticsReport {
  @Field(() => StatsPeriodKind)
  periodKind: StatsPeriodKind;

  @Field(() => StatsGrouping)
  grouping: StatsGrouping;

  @Field(() => [String])
  periods: string[];

  @Field(() => Int, { description: "The smallest number of people a published figure counts (5, or more where a bank asked)." })
  minCellSize: number;

  @Field(() => Date, { nullable: true, description: "When the rollups were last brought up to date with the ledger." })
  refreshedAt: Date | null;

  @Field(() => [MemberFigures])
  members: MemberFigures[];

  @Field(() => [CategoryFigures])
  categories: CategoryFigures[];

  @Field(() => [InterBankFlowFigures])
  interBankFlows: InterBankFlowFigures[];

  @Field(() => [NetPositionFigures])
  netPositions: NetPositionFigures[];

  @Field(() => [InstitutionFigures])
  institutions: InstitutionFigures[];

  @Field(() => [ParticipationFigures])
  participation: ParticipationFigures[];
}
