import { definePart } from '@tss/runtime';

/** Escalation rules, records, the on-duty roster and re-notices (issue #12). */
export const escalationsPart = definePart()({
  name: 'escalations',
  build: () => ({}),
});
