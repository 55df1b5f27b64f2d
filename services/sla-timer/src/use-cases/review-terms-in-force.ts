import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { BackgroundTask } from '@tss/runtime';
import { problemsToday, type PolicyProblem } from '../domain/policy-validation';
import type { PolicyVersion } from '../domain/sla-policy';
import { policyStore } from '../store/policy.store';

/** A version in force whose terms today's rules refuse. */
export interface OutdatedTerms {
  version: PolicyVersion;
  problems: PolicyProblem[];
}

/** Every scope's terms in force that a PUT would be refused today, the default's first. */
export const findOutdatedTerms = async (dataSource: DataSource): Promise<{ reviewed: number; outdated: OutdatedTerms[] }> => {
  const inForce = await policyStore.inForce(dataSource.manager);
  const outdated = inForce.map((version) => ({ version, problems: problemsToday(version) })).filter((terms) => terms.problems.length > 0);
  return { reviewed: inForce.length, outdated };
};

const warningOf = ({ version, problems }: OutdatedTerms): string => {
  const isDefault = version.scope === 'default';
  const terms = isDefault ? `The default SLA policy, version ${version.version}` : `The SLA agreement of partner ${version.scope}, version ${version.version}`;
  const put = isDefault ? 'PUT /v1/sla/policies' : `PUT /v1/partners/${version.scope}/sla-policy`;
  return (
    `${terms}, breaks rules added since it was stored, and applies to every clock started now under it: ` +
    `${problems.map((p) => `${p.pointer}: ${p.message}`).join('; ')}. Store terms that meet them with ${put}; clocks already running keep their terms.`
  );
};

/**
 * Once at start: a warning naming each version in force that today's rules refuse (targets under a
 * minute and warnings under 1 %, refused since 2026-12-04, were stored by older releases and keep
 * applying to new clocks: a 30-second emergency clock breaches and escalates). It changes
 * nothing: fixing the terms is an admin's PUT, and running clocks keep the version they started
 * under (issue #10). docs/operations.md, "Upgrade and rollback".
 */
export const termsInForceReview = (deps: { dataSource: DataSource; logger: Logger }): BackgroundTask => {
  let review: Promise<void> | undefined;
  const run = async (): Promise<void> => {
    const { reviewed, outdated } = await findOutdatedTerms(deps.dataSource);
    for (const terms of outdated) {
      const named = terms.version.scope === 'default' ? {} : { partnerId: terms.version.scope };
      deps.logger.warn({ scope: terms.version.scope, ...named, version: terms.version.version, problems: terms.problems }, warningOf(terms));
    }
    deps.logger.info({ reviewed, outdated: outdated.length }, 'SLA terms in force reviewed');
  };
  return {
    name: 'sla-timer terms in force review',
    start: () => {
      review ??= run().catch((error: unknown) => deps.logger.error({ err: error }, 'SLA terms in force could not be reviewed; the warnings of terms below the rules are missing'));
    },
    stop: async () => {
      await review;
    },
  };
};
