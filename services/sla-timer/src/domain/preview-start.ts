/**
 * The starts a schedule preview answers (`POST /v1/sla/preview`): from the Unix epoch up to, not
 * including, year 9000. Its answers are RFC 3339 `date-time`s, whose years have four digits; the
 * latest of them (the overdue notice, at most ten times the rules' seven days after the start, P5)
 * stays far inside year 9999 from any start allowed (docs/adr/0031, addendum of 2026-12-05).
 */
export const EARLIEST_PREVIEW_START = new Date(Date.UTC(1970, 0, 1));
export const PREVIEW_STARTS_BEFORE = new Date(Date.UTC(9000, 0, 1));

/** Why a preview cannot start at `start`, or undefined when it can. */
export const previewStartProblem = (start: Date): string | undefined =>
  start.getTime() < EARLIEST_PREVIEW_START.getTime() || start.getTime() >= PREVIEW_STARTS_BEFORE.getTime()
    ? `must be from ${EARLIEST_PREVIEW_START.toISOString()} up to, not including, ${PREVIEW_STARTS_BEFORE.toISOString()}: every instant the preview answers is an RFC 3339 date-time, with a four-digit year`
    : undefined;
