import type { EntityManager } from 'typeorm';
import { DEFAULT_POLICY, type PolicyVersion } from '../domain/sla-policy';

/**
 * SLA policies and partners' agreements, versioned (issue #10). Placeholder until the policies
 * work lands: every partner is under the rules' default policy, version 1.
 */
export const policyStore = {
  /** The policy a clock starting now for this partner runs under: the partner's agreement, else the default. */
  async effectiveFor(_tx: EntityManager, _partnerId: string): Promise<PolicyVersion> {
    return { scope: 'default', version: 1, policy: DEFAULT_POLICY };
  },
  /** A stored version, for a clock that keeps the version it started under. */
  async version(_tx: EntityManager, scope: string, version: number): Promise<PolicyVersion | undefined> {
    return scope === 'default' && version === 1 ? { scope: 'default', version: 1, policy: DEFAULT_POLICY } : undefined;
  },
};
