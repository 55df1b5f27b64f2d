import { randomUUID } from 'node:crypto';
import { SlaClockStartedV1, SlaRetargetedV1, TicketCreatedV1, type ServiceLevel } from '@tss/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@tss/runtime/testing';
import { TestClock } from '@tss/service-kit/testing';
import { escalationService } from '../src';
import { publisherToEscalation, ticketCreatedData } from './support/publish-to-escalation';

const HOUR = 3_600_000;

// P4, P12: a ticket raised to emergency is called in as one filed at emergency (the page, and the
// phone call-back when the agreement has phone support at emergency); escalation alone on real PostgreSQL.
describe('a ticket raised to emergency (sla.retargeted)', () => {
  const clock = new TestClock('2026-03-02T09:00:00.000Z');
  let sut: ServiceUnderTest;
  const partnerId = randomUUID();

  beforeAll(async () => {
    sut = await startServiceUnderTest(escalationService, { clock });
  });

  afterAll(async () => {
    await sut?.stop();
  });

  const publish = publisherToEscalation(() => sut, clock);
  const fileTicket = async (level: ServiceLevel, phoneSupport: boolean): Promise<{ ticketId: string; clockId: string }> => {
    const ticketId = randomUUID();
    const clockId = randomUUID();
    await publish(TicketCreatedV1, ticketId, ticketCreatedData(partnerId, clock, { level }));
    await publish(SlaClockStartedV1, ticketId, { partnerId, clockId, level, startedAt: clock.now().toISOString(), dueAt: new Date(clock.now().getTime() + 12 * HOUR).toISOString(), phoneSupport });
    return { ticketId, clockId };
  };
  const retarget = (ticketId: string, clockId: string, previousLevel: ServiceLevel, level: ServiceLevel, phoneSupport: boolean) =>
    publish(SlaRetargetedV1, ticketId, {
      partnerId,
      clockId,
      level,
      previousLevel,
      startedAt: clock.now().toISOString(),
      dueAt: new Date(clock.now().getTime() + 6 * HOUR).toISOString(),
      phoneSupport,
    });
  const escalationsOf = async (ticketId: string) =>
    sut.query<{ kind: string; rule: string; cause_type: string; summary: string }>(`SELECT kind, rule, cause_type, summary FROM escalation.escalations WHERE ticket_id = $1 ORDER BY kind`, [ticketId]);

  it('P12: raised to emergency under an agreement with phone support at emergency: the page and the call-back, once', async () => {
    const { ticketId, clockId } = await fileTicket('standard', false);
    expect(await escalationsOf(ticketId)).toEqual([]);
    await retarget(ticketId, clockId, 'standard', 'emergency', true);
    const raised = await escalationsOf(ticketId);
    expect(raised.map((e) => [e.kind, e.rule, e.cause_type])).toEqual([
      ['emergency', 'emergency-page', 'sla.retargeted'],
      ['phone_callback', 'emergency-phone-callback', 'sla.retargeted'],
    ]);
    expect(raised[1].summary).toMatch(/raised to emergency/);
    // Lowered and raised again: nothing twice.
    await retarget(ticketId, clockId, 'emergency', 'standard', false);
    await retarget(ticketId, clockId, 'standard', 'emergency', true);
    expect((await escalationsOf(ticketId)).map((e) => e.kind)).toEqual(['emergency', 'phone_callback']);
  });

  it('raised to emergency without phone support at emergency: the page only; other re-targets raise nothing', async () => {
    const { ticketId, clockId } = await fileTicket('consulting', true);
    await retarget(ticketId, clockId, 'consulting', 'standard', true);
    expect(await escalationsOf(ticketId)).toEqual([]);
    await retarget(ticketId, clockId, 'standard', 'emergency', false);
    expect((await escalationsOf(ticketId)).map((e) => e.kind)).toEqual(['emergency']);
  });

  it('filed at emergency, then lowered and raised again: the page and call-back it had are not raised twice', async () => {
    const { ticketId, clockId } = await fileTicket('emergency', true);
    expect((await escalationsOf(ticketId)).map((e) => [e.kind, e.cause_type])).toEqual([
      ['emergency', 'ticket.created'],
      ['phone_callback', 'sla.clock_started'],
    ]);
    await retarget(ticketId, clockId, 'emergency', 'standard', false);
    await retarget(ticketId, clockId, 'standard', 'emergency', true);
    expect((await escalationsOf(ticketId)).map((e) => [e.kind, e.cause_type])).toEqual([
      ['emergency', 'ticket.created'],
      ['phone_callback', 'sla.clock_started'],
    ]);
  });
});
