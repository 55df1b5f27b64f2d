import pino from 'pino';
import { waitFor } from '@tss/service-kit/testing';
import { UnrecordedAttempts, type UnrecordedAttempt } from '../src/use-cases/mail-unrecorded-attempts';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

const endedAt = new Date('2026-12-01T10:00:00.000Z');
const attempt = (n: number, kind: 'sent' | 'not_started' = 'not_started'): UnrecordedAttempt => ({
  mailId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  attempt: 1,
  started: kind === 'sent',
  outcome: kind === 'sent' ? { kind: 'sent', response: '250 OK' } : { kind: 'transient', reason: 'not sent: the database did not answer before the send' },
  endedAt,
});

/** Outcomes the database did not take, kept in memory until it answers (docs/adr/0035, addendum of 2026-12-05, second session). */
describe('unrecorded mail attempts', () => {
  const setUp = (options: { limit?: number; answers?: () => boolean } = {}) => {
    const lines: LogLine[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
    const tries: number[] = [];
    const recorded: UnrecordedAttempt[] = [];
    const sut = new UnrecordedAttempts({
      logger,
      limit: options.limit ?? 100,
      retryMs: 5,
      maxRetryMs: 20,
      record: async (attempts) => {
        tries.push(attempts.length);
        if (!(options.answers?.() ?? true)) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        recorded.push(...attempts);
        return [];
      },
    });
    return { sut, lines, tries, recorded };
  };

  it('memory stays bounded: past its limit an attempt is not kept (its armed retry timer sends it, as before)', async () => {
    const { sut } = setUp({ limit: 2, answers: () => false });
    expect([1, 2, 3].map((n) => sut.keep(attempt(n), new Error('down')))).toEqual([true, true, false]);
    expect(sut.size).toBe(2);
    await sut.stop(10);
  });

  it('tried again while the database does not answer, and recorded once it does: one warning for the outage, one line when recorded', async () => {
    let answering = false;
    const { sut, lines, tries, recorded } = setUp({ answers: () => answering });
    for (const n of [1, 2, 3]) sut.keep(attempt(n), new Error('down'));
    await waitFor('three failed tries', () => tries.length >= 3);
    expect(recorded).toEqual([]);
    answering = true;
    await waitFor('the attempts recorded', () => sut.size === 0);
    expect(recorded.map((a) => a.mailId)).toEqual([1, 2, 3].map((n) => attempt(n).mailId));
    expect(lines.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual(['mail attempt not recorded: the database did not answer; kept in memory and recorded once it answers']);
    expect(lines.find((l) => l.msg === 'mail attempts recorded once the database answered again')).toMatchObject({ attempts: 3, level: 30 });
    await sut.stop(10);
  });

  it('stopping: one last try, then every attempt still unrecorded is logged with what the server did with its mail; none is kept after', async () => {
    const { sut, lines } = setUp({ answers: () => false });
    sut.keep(attempt(1, 'sent'), new Error('down'));
    sut.keep(attempt(2), new Error('down'));
    await sut.stop(50);
    expect(lines.find((l) => l.msg.startsWith('mail attempts not recorded when the mail sender stopped'))).toMatchObject({
      level: 50,
      count: 2,
      mayArriveTwice: 1,
      attempts: [
        { mailId: attempt(1).mailId, attempt: 1, outcome: 'sent' },
        { mailId: attempt(2).mailId, attempt: 1, outcome: 'not_started' },
      ],
    });
    expect(sut.keep(attempt(3), new Error('down'))).toBe(false);
  });

  it('stopping once the database answers again records them, and logs nothing as lost', async () => {
    const { sut, lines, recorded } = setUp({ answers: () => true });
    sut.keep(attempt(1, 'sent'), new Error('down'));
    await sut.stop(1_000);
    expect(recorded).toHaveLength(1);
    expect(lines.some((l) => l.msg.startsWith('mail attempts not recorded when the mail sender stopped'))).toBe(false);
  });
});
