import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@tss/persistence/testing';
import { MaskKeptLogNames1765606430000 } from '../src/in-process/mask-kept-log-names.migration';
import { UpgradedEventLog } from '../src/testing/older-event-log';

const SECRETS = ['RT5-PN-pw7#', 'RT5-SN-pw8#'];
const REMOVED = '[access particulars removed]';
const CHANGED_AT = '2026-12-05T09:00:00.000Z';

const partnerData = (name: string) => ({ partnerId: '0b7e3c1e-1d8f-4a36-8d0e-3c2b5a1f9e11', name, active: true, changedAt: CHANGED_AT });
const staffData = (displayName: string, staffId = 'sc_bob') => ({ staffId, roles: ['agent'], displayName, email: 'bob@support.example', language: 'en', active: true, changedAt: CHANGED_AT });
const headersOf = (type: string, extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ce_specversion: '1.0', ce_id: randomUUID(), ce_type: type, ...extra });

// P9 (docs/adr/0026, addendum of 2026-12-05, fifth session): the gateway announced partner names
// and staff display names as written ("Other Co password: …"); the single process's event log is
// never pruned (docs/adr/0032), so those entries kept them after the gateway's own tables were masked.
describe('upgrade: partner and staff names the in-process log kept in clear (migration 1765606430000)', () => {
  let db: TestDatabase;
  let log: UpgradedEventLog;

  beforeAll(async () => {
    db = await createTestDatabase('event_log_names', { from: 'empty' });
    // The log as the release before this one left it, then appended to as it appended.
    log = await UpgradedEventLog.create(db.url, 1765606100000, {
      partnerCreated: { topic: 'tss.gateway', headers: headersOf('partner.created'), value: JSON.stringify(partnerData('Other Co')) },
      partnerUpdated: { topic: 'tss.gateway', headers: headersOf('partner.updated'), value: JSON.stringify(partnerData(`Other Co password: ${SECRETS[0]}`)) },
      staffCreated: { topic: 'tss.gateway', headers: headersOf('staff.created'), value: JSON.stringify(staffData(`Bob login: bob password: ${SECRETS[1]}`)) },
      staffUpdated: { topic: 'tss.gateway', headers: headersOf('staff.updated'), value: JSON.stringify(staffData('Token Books', 'sc_token')) },
      deadLettered: {
        topic: 'tss.dead-letter',
        headers: headersOf('staff.created', { 'dlq-reason': 'boom', 'dlq-group': 'escalation', 'dlq-topic': 'tss.gateway' }),
        value: JSON.stringify(staffData(`Bob password: ${SECRETS[1]}`)),
      },
      // Another type's data is not this migration's: its strings stay as they are.
      otherType: { topic: 'tss.ticket', headers: headersOf('ticket.created'), value: JSON.stringify({ subject: 'Token Books password reset', sequence: 1 }) },
      notJson: { topic: 'tss.gateway', headers: headersOf('partner.updated'), value: 'a' },
      empty: { topic: 'tss.gateway', headers: headersOf('partner.updated'), value: null },
    });
  });

  afterAll(async () => {
    await log?.close();
    await db?.drop();
  });

  const values = () => log.texts();
  const data = (name: string) => log.data(name);

  it('P9: no entry of the log holds the passwords any more', async () => {
    const kept = JSON.stringify(await values());
    for (const secret of SECRETS) expect(kept).not.toContain(secret);
  });

  it('P9: partner.* and staff.* entries, dead letters included, carry the names masked; ids, addresses and other names stay', async () => {
    expect(await data('partnerCreated')).toEqual(partnerData('Other Co'));
    expect(await data('partnerUpdated')).toEqual(partnerData(`Other Co ${REMOVED}`));
    expect(await data('staffCreated')).toEqual(staffData(`Bob ${REMOVED}`));
    expect(await data('staffUpdated')).toEqual(staffData('Token Books', 'sc_token'));
    expect(await data('deadLettered')).toEqual(staffData(`Bob ${REMOVED}`));
  });

  it('other entries stay as written', async () => {
    const kept = await values();
    expect(kept.otherType).toBe(JSON.stringify({ subject: 'Token Books password reset', sequence: 1 }));
    expect(kept.notJson).toBe('a');
    expect(kept.empty).toBeNull();
  });

  it('running the migration again changes nothing', async () => {
    const before = await values();
    await log.runAgain(new MaskKeptLogNames1765606430000());
    expect(await values()).toEqual(before);
  });
});
