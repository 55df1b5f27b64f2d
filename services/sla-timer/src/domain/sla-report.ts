import { ServiceLevels, type ServiceLevel } from '@tss/contracts';

/** The outcome columns split `owed`: met + breached + cancelled + open = owed (each clock counted once, by its status). */
export interface ReportRow {
  level: ServiceLevel;
  owed: number;
  /** Answered before the due time. */
  met: number;
  /** Due time passed with no response, whatever happened after (still unanswered, answered late, no longer owed). */
  breached: number;
  /** No response owed any more, before the due time. */
  cancelled: number;
  /** Still running, not yet breached. */
  open: number;
  /** met / (met + breached), in percent with one decimal; null when no clock has ended either way. */
  compliancePercent: number | null;
  medianResponseMs: number | null;
  p90ResponseMs: number | null;
  resolved: number;
  medianResolutionMs: number | null;
  p90ResolutionMs: number | null;
}

/** P5: compliance counts only clocks decided either way; a clock cancelled before its due time owed nothing more. */
export const compliancePercent = (met: number, breached: number): number | null =>
  met + breached === 0 ? null : Math.round((met / (met + breached)) * 1000) / 10;

/** Rows in the order of the levels (P5's table). */
export const reportRows = (figures: readonly Omit<ReportRow, 'compliancePercent'>[]): ReportRow[] =>
  ServiceLevels.flatMap((level) => figures.filter((f) => f.level === level)).map((f) => ({ ...f, compliancePercent: compliancePercent(f.met, f.breached) }));

export const REPORT_COLUMNS = [
  'level', 'owed', 'met', 'breached', 'cancelled', 'open', 'compliancePercent', 'medianResponseMs', 'p90ResponseMs', 'resolved', 'medianResolutionMs', 'p90ResolutionMs',
] as const satisfies readonly (keyof ReportRow)[];

/** RFC 4180 CSV: a header line, CRLF line ends; empty cells for figures there are none of. */
export const reportCsv = (rows: readonly ReportRow[]): string =>
  [REPORT_COLUMNS.join(','), ...rows.map((r) => REPORT_COLUMNS.map((c) => (r[c] === null ? '' : String(r[c]))).join(','))].map((line) => `${line}\r\n`).join('');
