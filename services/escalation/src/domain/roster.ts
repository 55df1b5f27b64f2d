import { DateTime, IANAZone } from 'luxon';
import { TargetRoles, type TargetRole } from './escalation-rules';

/**
 * The on-duty roster (issue #12): weekly shifts in a time zone, plus dated overrides. Pure: the
 * instant to answer for is an argument.
 */

/** ISO weekday: 1 Monday … 7 Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface Shift {
  staffId: string;
  role: TargetRole;
  /** IANA zone the local times are in (`Europe/Moscow`). */
  timeZone: string;
  /** The days a shift starts on (an overnight shift ends the next day). */
  weekdays: Weekday[];
  /** Local `HH:mm`; `end` at or before `start` is an overnight shift; equal means 24 hours. */
  start: string;
  end: string;
}

/** A dated change: someone on duty in a role (`on`) or off duty (`off`, e.g. sick leave) for a period. */
export interface RosterOverride {
  staffId: string;
  role: TargetRole;
  from: Date;
  to: Date;
  duty: 'on' | 'off';
  note?: string;
}

export interface Roster {
  shifts: Shift[];
  overrides: RosterOverride[];
}

export const EMPTY_ROSTER: Roster = { shifts: [], overrides: [] };

export interface OnDuty {
  staffId: string;
  role: TargetRole;
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const minutesOf = (hhmm: string): number => {
  const m = TIME.exec(hhmm);
  return m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
};

/** Whether the shift covers the instant: today's shift, or yesterday's overnight shift still running. */
export const shiftCovers = (shift: Shift, at: Date): boolean => {
  const local = DateTime.fromJSDate(at, { zone: shift.timeZone });
  const now = local.hour * 60 + local.minute;
  const start = minutesOf(shift.start);
  const end = minutesOf(shift.end);
  const today = local.weekday as Weekday;
  const yesterday = local.minus({ days: 1 }).weekday as Weekday;
  const overnight = end <= start;
  if (shift.weekdays.includes(today) && now >= start && (overnight || now < end)) return true;
  return overnight && shift.weekdays.includes(yesterday) && now < end;
};

/** Who is on duty at `at` (in `role`, or every role): shifts, then overrides in the order given. */
export const onDutyAt = (roster: Roster, at: Date, role?: TargetRole): OnDuty[] => {
  const key = (d: OnDuty) => `${d.role}\u0000${d.staffId}`;
  const duty = new Map<string, OnDuty>();
  for (const shift of roster.shifts) {
    if (shiftCovers(shift, at)) duty.set(key(shift), { staffId: shift.staffId, role: shift.role });
  }
  for (const o of roster.overrides) {
    if (!(o.from.getTime() <= at.getTime() && at.getTime() < o.to.getTime())) continue;
    if (o.duty === 'on') duty.set(key(o), { staffId: o.staffId, role: o.role });
    else duty.delete(key(o));
  }
  return [...duty.values()].filter((d) => role === undefined || d.role === role).sort((a, b) => a.role.localeCompare(b.role) || a.staffId.localeCompare(b.staffId));
};

export interface RosterProblem {
  pointer: string;
  message: string;
}

/** What a roster PUT must satisfy beyond its shape: real zones, times and periods, known staff. */
export const rosterProblems = (roster: Roster, knownStaff: ReadonlySet<string>): RosterProblem[] => {
  const problems: RosterProblem[] = [];
  roster.shifts.forEach((s, i) => {
    if (!IANAZone.isValidZone(s.timeZone)) problems.push({ pointer: `/shifts/${i}/timeZone`, message: `unknown IANA time zone "${s.timeZone}"` });
    if (Number.isNaN(minutesOf(s.start))) problems.push({ pointer: `/shifts/${i}/start`, message: 'must be HH:mm' });
    if (Number.isNaN(minutesOf(s.end))) problems.push({ pointer: `/shifts/${i}/end`, message: 'must be HH:mm' });
    if (!(TargetRoles as readonly string[]).includes(s.role)) problems.push({ pointer: `/shifts/${i}/role`, message: `unknown role "${s.role}"` });
    if (!knownStaff.has(s.staffId)) problems.push({ pointer: `/shifts/${i}/staffId`, message: `no active staff member "${s.staffId}"` });
  });
  roster.overrides.forEach((o, i) => {
    // RFC 3339 admits a leap second (23:59:60) that Date cannot hold: refused here, not compared as NaN.
    const unrepresentable = (['from', 'to'] as const).filter((end) => Number.isNaN(o[end].getTime()));
    for (const end of unrepresentable) problems.push({ pointer: `/overrides/${i}/${end}`, message: 'not an instant this service can represent (a leap second?)' });
    if (unrepresentable.length === 0 && !(o.from.getTime() < o.to.getTime())) problems.push({ pointer: `/overrides/${i}/to`, message: 'must be after from' });
    if (!knownStaff.has(o.staffId)) problems.push({ pointer: `/overrides/${i}/staffId`, message: `no active staff member "${o.staffId}"` });
  });
  return problems;
};
