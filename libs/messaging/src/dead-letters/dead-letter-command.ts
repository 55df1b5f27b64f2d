import type { DeadLetterRow } from './dead-letter.store';
import type { DeadLetterOperator } from './dead-letter-operator';

export interface CommandOutput {
  exitCode: number;
  output: string;
}

export const DEAD_LETTERS_USAGE = 'usage: dead-letters list [parked|replayed|skipped] | replay <id> [--pass-over] | skip <id>';

/** `replay <id> --pass-over`: the operator lets the consumer go past what the event waits for (docs/adr/0072, seventh session). */
const PASS_OVER = '--pass-over';

const line = (r: DeadLetterRow): string =>
  [r.id, r.status, r.kind, r.topic, r.message_key ?? '-', r.event_type ?? '-', r.event_id ?? '-', r.dead_lettered_at.toISOString(), JSON.stringify(r.reason)].join('\t');

/**
 * `nx run <service>:dead-letters -- list|replay <id> [--pass-over]|skip <id>`: an operator's way to
 * look at a service's dead letters and settle them; settling releases the events parked behind one.
 * Any argument it does not name is refused with the usage, before anything is settled.
 */
export const runDeadLetterCommand = async (operator: DeadLetterOperator, argv: readonly string[]): Promise<CommandOutput> => {
  const [verb, arg, ...rest] = argv;
  const usage = { exitCode: 64, output: `${DEAD_LETTERS_USAGE}\n` };
  if (verb === 'list') {
    if ((arg !== undefined && arg !== 'parked' && arg !== 'replayed' && arg !== 'skipped') || rest.length > 0) return usage;
    const rows = await operator.list(arg);
    const header = ['id', 'status', 'kind', 'topic', 'key', 'type', 'event id', 'dead-lettered at', 'reason'].join('\t');
    return { exitCode: 0, output: [header, ...rows.map(line)].join('\n') + '\n' };
  }
  const passOver = verb === 'replay' && rest.length === 1 && rest[0] === PASS_OVER;
  if ((verb === 'replay' || verb === 'skip') && arg !== undefined && /^\d+$/.test(arg) && (rest.length === 0 || passOver)) {
    const result = verb === 'replay' ? await operator.replay(arg, { passOver }) : await operator.skip(arg);
    if (!result.ok) return { exitCode: 1, output: `${verb} ${arg}: ${result.error.kind}: ${result.error.detail}\n` };
    const { status, released, blockedBy, passedOver } = result.value;
    const passed = passedOver ? `, passing over ${passedOver.join('; ')}` : '';
    const blocked = blockedBy ? `; dead letter ${blockedBy} of the same key still holds the rest` : '';
    return { exitCode: 0, output: `dead letter ${arg} ${status}${passed}; ${released} parked event(s) of its key released${blocked}\n` };
  }
  return usage;
};
