import type { EntityManager } from 'typeorm';
import type { ServiceLevel } from '@tss/contracts';
import { SLA_SCHEMA } from './response-clock.store';

export interface SlaReportFilter {
  from: Date;
  to: Date;
  level?: ServiceLevel;
  partnerId?: string;
  product?: string;
}

export interface LevelFigures {
  level: ServiceLevel;
  owed: number;
  met: number;
  breached: number;
  cancelled: number;
  open: number;
  medianResponseMs: number | null;
  p90ResponseMs: number | null;
  resolved: number;
  medianResolutionMs: number | null;
  p90ResolutionMs: number | null;
}

const conditions = (f: SlaReportFilter, at: string, level: string, params: unknown[]): string => {
  const where = [`${at} >= $${params.push(f.from)}`, `${at} < $${params.push(f.to)}`];
  if (f.level) where.push(`${level} = $${params.push(f.level)}`);
  if (f.partnerId) where.push(`partner_id = $${params.push(f.partnerId)}`);
  if (f.product) where.push(`product = $${params.push(f.product)}`);
  return where.join(' AND ');
};

/**
 * The level a clock is reported under: the level that missed it once it breached, whatever level a
 * later re-target gave it (docs/adr/0030, addendum of 2026-12-04, fifth session); else its level.
 * One level per clock, so its outcome columns still add up to `owed`.
 */
const REPORTED_LEVEL = 'COALESCE(breached_level, level)';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Math.round(Number(v)));

/**
 * Per level: responses owed (clocks started in the period, each under `REPORTED_LEVEL`), how they ended, response times of the
 * answered ones; and resolution times of tickets resolved in the period (P5: measured, never breached).
 *
 * The outcomes split `owed` by the clock's status, one each: `breached` whatever happened after
 * (still unanswered, answered late, or no longer owed), `cancelled` only before the due time, `open`
 * only while running and not breached. A breached clock still unanswered is not `open` as well.
 */
export const slaReportStore = {
  async figures(tx: EntityManager, filter: SlaReportFilter): Promise<LevelFigures[]> {
    const clockParams: unknown[] = [];
    const clocks = (await tx.query(
      `SELECT ${REPORTED_LEVEL} AS level, count(*)::int AS owed,
              count(*) FILTER (WHERE status = 'met')::int AS met,
              count(*) FILTER (WHERE status = 'breached')::int AS breached,
              count(*) FILTER (WHERE status = 'cancelled')::int AS cancelled,
              count(*) FILTER (WHERE status = 'running')::int AS open,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM responded_at - started_at) * 1000) FILTER (WHERE responded_at IS NOT NULL) AS median,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM responded_at - started_at) * 1000) FILTER (WHERE responded_at IS NOT NULL) AS p90
         FROM "${SLA_SCHEMA}".response_clocks WHERE ${conditions(filter, 'started_at', REPORTED_LEVEL, clockParams)} GROUP BY 1`,
      clockParams,
    )) as { level: ServiceLevel; owed: number; met: number; breached: number; cancelled: number; open: number; median: unknown; p90: unknown }[];
    const ticketParams: unknown[] = [];
    const resolutions = (await tx.query(
      `SELECT level, count(*)::int AS resolved,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - received_at) * 1000) AS median,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - received_at) * 1000) AS p90
         FROM "${SLA_SCHEMA}".tickets WHERE resolved_at IS NOT NULL AND ${conditions(filter, 'resolved_at', 'level', ticketParams)} GROUP BY level`,
      ticketParams,
    )) as { level: ServiceLevel; resolved: number; median: unknown; p90: unknown }[];
    const levels = [...new Set([...clocks.map((c) => c.level), ...resolutions.map((r) => r.level)])];
    return levels.map((level) => {
      const c = clocks.find((x) => x.level === level);
      const r = resolutions.find((x) => x.level === level);
      return {
        level,
        owed: c?.owed ?? 0,
        met: c?.met ?? 0,
        breached: c?.breached ?? 0,
        cancelled: c?.cancelled ?? 0,
        open: c?.open ?? 0,
        medianResponseMs: num(c?.median),
        p90ResponseMs: num(c?.p90),
        resolved: r?.resolved ?? 0,
        medianResolutionMs: num(r?.median),
        p90ResolutionMs: num(r?.p90),
      };
    });
  },
};
