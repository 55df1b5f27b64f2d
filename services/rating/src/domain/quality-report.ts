/** What the quality report groups by (issue #13). */
export const QualityGroupings = ['agent', 'level', 'product', 'partner'] as const;
export type QualityGrouping = (typeof QualityGroupings)[number];

/** The counts of one group in the period, as the store sums them. */
export interface QualityCounts {
  ratings: number;
  /** Ratings of 4 or 5. */
  satisfied: number;
  scoreSum: number;
  notSolved: number;
  responses: number;
  surveys: number;
  reopened: number;
  slaMet: number;
  slaBreached: number;
}

export interface QualityRow {
  /** The agent, level, product or partner; null for facts with none (an unassigned ticket, a ticket with no product). */
  key: string | null;
  ratings: number;
  /** CSAT: the share of ratings that are 4 or 5, percent. */
  csatPercent: number | null;
  averageScore: number | null;
  notSolved: number;
  responses: number;
  surveys: number;
  reopened: number;
  /** Resolutions in the period later reopened, percent of the resolutions (surveys sent). */
  reopenRatePercent: number | null;
  slaMet: number;
  slaBreached: number;
  /** met / (met + breached), percent. */
  slaCompliancePercent: number | null;
}

const percent = (part: number, whole: number): number | null => (whole === 0 ? null : Math.round((part / whole) * 1000) / 10);

export const qualityRow = (key: string | null, c: QualityCounts): QualityRow => ({
  key,
  ratings: c.ratings,
  csatPercent: percent(c.satisfied, c.ratings),
  averageScore: c.ratings === 0 ? null : Math.round((c.scoreSum / c.ratings) * 100) / 100,
  notSolved: c.notSolved,
  responses: c.responses,
  surveys: c.surveys,
  reopened: c.reopened,
  reopenRatePercent: percent(c.reopened, c.surveys),
  slaMet: c.slaMet,
  slaBreached: c.slaBreached,
  slaCompliancePercent: percent(c.slaMet, c.slaMet + c.slaBreached),
});

export const QUALITY_COLUMNS = [
  'ratings', 'csatPercent', 'averageScore', 'notSolved', 'responses', 'surveys', 'reopened', 'reopenRatePercent', 'slaMet', 'slaBreached', 'slaCompliancePercent',
] as const satisfies readonly (keyof QualityRow)[];

/**
 * RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled. A text cell that a
 * spreadsheet would run as a formula (=, +, -, @) gets a leading apostrophe (OWASP CSV injection).
 */
const csvField = (value: string | number | null): string => {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

/**
 * What the total line has in its key cell. No key can be it: levels and products are fixed words,
 * partner ids are uuids, agent ids are the gateway's client ids, and a group with no key has an
 * empty cell.
 */
export const CSV_TOTAL_KEY = '(total)';

/**
 * A header line named after the grouping, one line per group, then the total line (key
 * `(total)`, JSON's `total`); CRLF line ends; empty cells for figures there are none of.
 */
export const qualityCsv = (groupBy: QualityGrouping, rows: readonly QualityRow[], total: QualityRow): string => {
  const line = (key: string | null, r: QualityRow) => [csvField(key), ...QUALITY_COLUMNS.map((c) => csvField(r[c]))].join(',');
  return [[groupBy, ...QUALITY_COLUMNS].join(','), ...rows.map((r) => line(r.key, r)), line(CSV_TOTAL_KEY, total)].map((l) => `${l}\r\n`).join('');
};
