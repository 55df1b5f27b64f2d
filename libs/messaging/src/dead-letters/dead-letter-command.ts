import type { DeadLetterRow } from './dead-letter.store';
import type { DeadLetterOperator } from './dead-letter-operator';

export interface CommandOutput {
  exitCode: number;
  output: string;
}

export const DEAD_LETTERS_USAGE = 'usage: dead-letters list [parked|replayed|skipped] | replay <id> | skip <id>';

const line = (r: DeadLetterRow): string =>
  [r.id, r.status, r.kind, r.topic, r.message_key ?? '-', r.event_type ?? '-', r.event_id ?? '-', r.dead_lettered_at.toISOString(), JSON.stringify(r.reason)].join('\t');

/**
 * `nx run <service>:dead-letters -- list|replay <id>|skip <id>`: an operator's way to look at a
 * service's dead letters and settle them; settling releases the events parked behind one.
 */
export const runDeadLetterCommand = async (operator: DeadLetterOperator, argv: readonly string[]): Promise<CommandOutput> => {
  const [verb, arg] = argv;
  if (verb === 'list') {
    if (arg !== undefined && arg !== 'parked' && arg !== 'replayed' && arg !== 'skipped') return { exitCode: 64, output: `${DEAD_LETTERS_USAGE}\n` };
    const rows = await operator.list(arg);
    const header = ['id', 'status', 'kind', 'topic', 'key', 'type', 'event id', 'dead-lettered at', 'reason'].join('\t');
    return { exitCode: 0, output: [header, ...rows.map(line)].join('\n') + '\n' };
  }
  if ((verb === 'replay' || verb === 'skip') && arg !== undefined && /^\d+$/.test(arg)) {
    const result = verb === 'replay' ? await operator.replay(arg) : await operator.skip(arg);
    if (!result.ok) return { exitCode: 1, output: `${verb} ${arg}: ${result.error.kind}: ${result.error.detail}\n` };
    const { status, released, blockedBy } = result.value;
    const blocked = blockedBy ? `; dead letter ${blockedBy} of the same key still holds the rest` : '';
    return { exitCode: 0, output: `dead letter ${arg} ${status}; ${released} parked event(s) of its key released${blocked}\n` };
  }
  return { exitCode: 64, output: `${DEAD_LETTERS_USAGE}\n` };
};
