import type { EntityManager } from 'typeorm';
import type { QualityCounts, QualityGrouping } from '../domain/quality-report';

// Fixed expressions, never the caller's text.
const GROUP_COLUMN: Record<QualityGrouping, string> = { agent: 'agent_id', level: 'level', product: 'product', partner: 'partner_id::text' };

interface Row {
  key: string | null;
  total: boolean;
  ratings: string;
  satisfied: string;
  score_sum: string | null;
  not_solved: string;
  responses: string;
  surveys: string;
  reopened: string;
  sla_met: string;
  sla_breached: string;
}

export interface QualityFigures {
  groups: { key: string | null; counts: QualityCounts }[];
  total: QualityCounts;
}

const countsOf = (r: Row): QualityCounts => ({
  ratings: Number(r.ratings),
  satisfied: Number(r.satisfied),
  scoreSum: Number(r.score_sum ?? 0),
  notSolved: Number(r.not_solved),
  responses: Number(r.responses),
  surveys: Number(r.surveys),
  reopened: Number(r.reopened),
  slaMet: Number(r.sla_met),
  slaBreached: Number(r.sla_breached),
});

const EMPTY: QualityCounts = { ratings: 0, satisfied: 0, scoreSum: 0, notSolved: 0, responses: 0, surveys: 0, reopened: 0, slaMet: 0, slaBreached: 0 };

export const qualityReportStore = {
  /** The facts in [from, to), of one partner and one product if given, per group and in total (one scan: GROUPING SETS). */
  async figures(tx: EntityManager, q: { from: Date; to: Date; groupBy: QualityGrouping; partnerId?: string; product?: string }): Promise<QualityFigures> {
    const column = GROUP_COLUMN[q.groupBy];
    // A condition per filter given, not `($n IS NULL OR …)`: a generic plan cannot use an index on a
    // condition that may be switched off, and one partner's report reads `quality_facts_partner_at`.
    const params: unknown[] = [q.from, q.to];
    const where = ['at >= $1', 'at < $2'];
    if (q.partnerId !== undefined) where.push(`partner_id = $${params.push(q.partnerId)}::uuid`);
    if (q.product !== undefined) where.push(`product = $${params.push(q.product)}::text`);
    const rows: Row[] = await tx.query(
      `SELECT ${column} AS key, GROUPING(${column}) = 1 AS total,
              count(*) FILTER (WHERE kind = 'rating')                AS ratings,
              count(*) FILTER (WHERE kind = 'rating' AND score >= 4) AS satisfied,
              sum(score) FILTER (WHERE kind = 'rating')              AS score_sum,
              count(*) FILTER (WHERE kind = 'rating' AND NOT solved) AS not_solved,
              count(*) FILTER (WHERE kind = 'response')              AS responses,
              count(*) FILTER (WHERE kind = 'survey')                AS surveys,
              count(*) FILTER (WHERE kind = 'survey' AND reopened)   AS reopened,
              count(*) FILTER (WHERE kind = 'sla_met')               AS sla_met,
              count(*) FILTER (WHERE kind = 'sla_breached')          AS sla_breached
         FROM rating.quality_facts
        WHERE ${where.join(' AND ')}
        GROUP BY GROUPING SETS ((${column}), ())
        ORDER BY total, key NULLS LAST`,
      params,
    );
    const total = rows.find((r) => r.total);
    return { groups: rows.filter((r) => !r.total).map((r) => ({ key: r.key, counts: countsOf(r) })), total: total ? countsOf(total) : EMPTY };
  },
};
