import type { EntityManager } from 'typeorm';
import { onDutyAt, type OnDuty } from '../domain/roster';
import type { TargetRole } from '../domain/escalation-rules';
import { settingsStore } from '../store/settings.store';
import { staffProjection } from '../store/projection.store';

/** Who is on duty at `at` under the roster in force, leaving out staff deactivated since the roster was written. */
export const onDutyNow = async (tx: EntityManager, at: Date, role?: TargetRole): Promise<OnDuty[]> => {
  const roster = await settingsStore.rosterOfTransaction(tx);
  const duty = onDutyAt(roster.value, at, role);
  const active = await staffProjection.activeIds(tx, duty.map((d) => d.staffId));
  return duty.filter((d) => active.has(d.staffId));
};

/** The staff ids of one role on duty at `at`: an escalation's targets. */
export const targetsAt = async (tx: EntityManager, at: Date, role: TargetRole): Promise<string[]> => (await onDutyNow(tx, at, role)).map((d) => d.staffId);
