import { createRequire } from 'node:module';

/**
 * Answers of the group coordinator that belong to a consumer group's rebalance, not to a broker
 * outage (docs/adr/0020, addendum of 2026-12-05, second session): the broker answered, and kafkajs
 * rejoins the group by itself. kafkajs's own `isRebalancing` types, plus the member whose session
 * the coordinator let go (`UNKNOWN_MEMBER_ID`: the runner rejoins with a new member id) and the
 * join that must be repeated with an id (`MEMBER_ID_REQUIRED`, KIP-394).
 */
const REBALANCING = ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR_FOR_GROUP', 'MEMBER_ID_REQUIRED'] as const;
const MEMBERSHIP_LOST = ['UNKNOWN_MEMBER_ID'] as const;

/**
 * The messages kafkajs 2.2.4 (frozen, docs/adr/0002) gives these errors, from its own table: its
 * log lines carry the message (`error: e.message`), not the type.
 */
const messagesOf = (types: readonly string[]): readonly string[] => {
  const { errorCodes } = createRequire(__filename)('kafkajs/src/protocol/error') as { errorCodes: readonly { type: string; message: string }[] };
  return types.map((type) => {
    const known = errorCodes.find((e) => e.type === type);
    if (!known) throw new Error(`kafkajs has no protocol error ${type}`);
    return known.message;
  });
};

const rebalancing = messagesOf(REBALANCING);
const membershipLost = messagesOf(MEMBERSHIP_LOST);

export type GroupRebalance = 'rebalancing' | 'membership-lost';

/**
 * Whether a kafkajs ERROR line is about its group's membership: a coordinator's answer ("Response
 * Heartbeat(…)" with the error's message) or the runner's "The coordinator is not aware of this
 * member, re-joining the group".
 */
export const groupRebalanceOf = (message: string, fields: Record<string, unknown>): GroupRebalance | undefined => {
  const texts = typeof fields.error === 'string' ? [fields.error, message] : [message];
  const says = (known: readonly string[]) => texts.some((text) => known.some((m) => text.startsWith(m)));
  if (says(membershipLost)) return 'membership-lost';
  if (says(rebalancing)) return 'rebalancing';
  return undefined;
};
