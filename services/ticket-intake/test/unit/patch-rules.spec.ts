import { applyPatch, filedLevelViolation, receiveRequesterMessage, type Ticket } from '../../src/domain/ticket';
import { changed, filedTicket, T0, violation } from './ticket-fixtures';

const t0 = T0;
const filed = (): Ticket => filedTicket();
const resolved = (): Ticket => changed(applyPatch(filed(), { status: 'resolved' }, t0)).ticket;

describe('P5/P12: a request is filed under the rules a PATCH applies (docs/adr/0029, addendum of 2026-12-04)', () => {
  it('a confirmed emergency needs a confirmed critical error', () => {
    expect(filedLevelViolation({ channel: 'phone', level: 'emergency', levelConfirmed: true })).toMatchObject({ kind: 'unprocessable', field: 'criticalErrorConfirmed' });
    expect(filedLevelViolation({ channel: 'phone', level: 'emergency', levelConfirmed: true, criticalErrorConfirmed: true })).toBeUndefined();
    // A partner's emergency is a suggestion (P5): the clock runs on it until an agent confirms.
    expect(filedLevelViolation({ channel: 'api', level: 'emergency', levelConfirmed: false })).toBeUndefined();
  });

  it('P12: a phone contact is at consulting unless an agent confirms another level', () => {
    expect(filedLevelViolation({ channel: 'phone', level: 'emergency', levelConfirmed: false })).toMatchObject({ kind: 'unprocessable', field: 'levelConfirmed' });
    expect(filedLevelViolation({ channel: 'phone', level: 'standard', levelConfirmed: false })).toMatchObject({ field: 'levelConfirmed' });
    expect(filedLevelViolation({ channel: 'phone', level: 'consulting', levelConfirmed: false })).toBeUndefined();
    expect(filedLevelViolation({ channel: 'phone', levelConfirmed: false })).toBeUndefined();
    expect(filedLevelViolation({ channel: 'phone', level: 'standard', levelConfirmed: true })).toBeUndefined();
  });
});

describe('P6: a feature request handed back to support owes the requester an answer', () => {
  it('feature_request → open owes a response again', () => {
    const feature = changed(applyPatch(filed(), { status: 'feature_request' }, t0)).ticket;
    expect(feature.responseOwed).toBe(false);
    const back = changed(applyPatch(feature, { status: 'open', note: 'A defect after all' }, t0));
    expect(back.ticket).toMatchObject({ status: 'open', responseOwed: true });
    expect(back.effects).toEqual([{ kind: 'status_changed', from: 'feature_request', to: 'open', reason: 'A defect after all' }]);
  });
});

describe('nothing is dropped in silence (docs/adr/0029, addendum of 2026-12-04)', () => {
  it('asking for the status the ticket already has is a conflict naming the allowed ones; a new wait reason is a change', () => {
    expect(violation(applyPatch(resolved(), { status: 'resolved', note: 'again' }, t0))).toEqual({
      kind: 'invalid_transition',
      detail: 'The ticket is already resolved.',
      allowed: ['open', 'closed'],
    });
    const waiting = changed(applyPatch(filed(), { status: 'awaiting_customer', waitReason: 'cannot_reproduce' }, t0)).ticket;
    expect(violation(applyPatch(waiting, { status: 'awaiting_customer', waitReason: 'cannot_reproduce' }, t0))).toMatchObject({ kind: 'invalid_transition' });
    const reason = changed(applyPatch(waiting, { waitReason: 'malware' }, t0));
    expect(reason.ticket.waitReason).toBe('malware');
    expect(reason.effects).toEqual([{ kind: 'status_changed', from: 'awaiting_customer', to: 'awaiting_customer', reason: 'malware' }]);
  });

  it('a note on a PATCH that changes nothing is refused; without a note it is an idempotent no-op', () => {
    const categorised = changed(applyPatch(filed(), { category: 'theory' }, t0)).ticket;
    expect(violation(applyPatch(categorised, { category: 'theory', note: 'why' }, t0))).toMatchObject({ kind: 'unprocessable', field: 'note' });
    expect(changed(applyPatch(categorised, { category: 'theory' }, t0)).effects).toEqual([]);
  });

  it('a resolved ticket closes as closed_by_support; an out-of-scope closure on it is refused, not replaced', () => {
    expect(violation(applyPatch(resolved(), { status: 'closed', closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' } }, t0))).toMatchObject({
      kind: 'unprocessable',
      field: 'closure',
    });
    expect(changed(applyPatch(resolved(), { status: 'closed', note: 'done' }, t0)).ticket.closure).toEqual({ reason: 'closed_by_support', note: 'done' });
  });

  it("P6: an out-of-scope closure is a case of the ticket's category, with a third party the catalogue names for it", () => {
    const install = changed(applyPatch(filed(), { category: 'installation_setup' }, t0)).ticket;
    expect(violation(applyPatch(install, { status: 'closed', closure: { reason: 'general_programming', thirdParty: 'hosting_provider' } }, t0))).toMatchObject({
      kind: 'unprocessable',
      field: 'closure/reason',
    });
    expect(violation(applyPatch(install, { status: 'closed', closure: { reason: 'product_wont_install', thirdParty: 'hosting_provider' } }, t0))).toMatchObject({
      field: 'closure/thirdParty',
      detail: expect.stringContaining('hardware_or_os_vendor or third_party_software_developer'),
    });
    expect(violation(applyPatch(filed(), { status: 'closed', closure: { reason: 'general_programming', thirdParty: 'hosting_provider' } }, t0))).toMatchObject({
      field: 'closure/thirdParty',
    });
    const theory = changed(applyPatch(filed(), { category: 'theory' }, t0)).ticket;
    expect(violation(applyPatch(theory, { status: 'closed', closure: { reason: 'general_programming', thirdParty: 'third_party_software_developer' } }, t0))?.detail).toContain(
      'no out-of-scope cases',
    );
    // The category the same PATCH sets is the one the closure must match.
    const recategorised = changed(
      applyPatch(install, { category: 'development', status: 'closed', closure: { reason: 'general_programming', thirdParty: 'third_party_software_developer' } }, t0),
    );
    expect(recategorised.ticket).toMatchObject({ status: 'closed', category: 'development', closure: { reason: 'general_programming' } });
  });

  it('P5: a resolved ticket keeps its level; reopening it may reclassify it', () => {
    expect(violation(applyPatch(resolved(), { level: 'consulting' }, t0))).toMatchObject({ kind: 'invalid_transition', allowed: ['open', 'closed'] });
    expect(violation(applyPatch(resolved(), { levelConfirmed: true }, t0))).toMatchObject({ kind: 'invalid_transition' });
    const reopened = changed(applyPatch(resolved(), { status: 'open', level: 'consulting' }, t0));
    expect(reopened.ticket).toMatchObject({ status: 'open', level: 'consulting', responseOwed: true });
  });
});

describe('P4: unassigning returns a ticket to the unassigned queue', () => {
  it('assigneeId null unassigns, with its event; unassigning an unassigned ticket changes nothing', () => {
    const assigned = changed(applyPatch(filed(), { assigneeId: 'agent-7' }, t0)).ticket;
    const freed = changed(applyPatch(assigned, { assigneeId: null, note: 'on leave' }, t0));
    expect(freed.ticket.assigneeId).toBeUndefined();
    expect(freed.ticket.status).toBe('open');
    expect(freed.effects).toEqual([{ kind: 'unassigned', previousAssigneeId: 'agent-7' }]);
    expect(changed(applyPatch(freed.ticket, { assigneeId: null }, t0)).effects).toEqual([]);
  });
});

describe('P2: staff record the request details a request lacked (docs/adr/0069, addendum of 2026-12-04, fifth session)', () => {
  const byMail = (): Ticket =>
    filedTicket({ channel: 'email', request: { description: 'It crashes' }, missingDetails: ['product', 'productVersion', 'stepsToReproduce', 'browser', 'operatingSystem', 'operatingSystemVersion'] });

  it('P2: recording details completes the request and recomputes missingDetails, with the values they replaced', () => {
    const done = changed(applyPatch(byMail(), { product: 'reader', productVersion: '4.2.1', browser: 'Firefox 120', operatingSystem: 'Windows', operatingSystemVersion: '11' }, t0));
    expect(done.ticket.request).toMatchObject({ description: 'It crashes', product: 'reader', productVersion: '4.2.1', browser: 'Firefox 120', operatingSystem: 'Windows', operatingSystemVersion: '11' });
    expect(done.ticket.missingDetails).toEqual(['stepsToReproduce']);
    expect(done.ticket).toMatchObject({ status: 'new', responseOwed: true });
    expect(done.effects).toEqual([
      {
        kind: 'details_changed',
        fields: ['product', 'productVersion', 'browser', 'operatingSystem', 'operatingSystemVersion'],
        from: {},
        to: { product: 'reader', productVersion: '4.2.1', browser: 'Firefox 120', operatingSystem: 'Windows', operatingSystemVersion: '11' },
        missingDetails: ['stepsToReproduce'],
      },
    ]);
    // A correction keeps what it replaced; a value the ticket already has is no change.
    const corrected = changed(applyPatch(done.ticket, { productVersion: '4.2.2', browser: 'Firefox 120' }, t0));
    expect(corrected.effects).toEqual([{ kind: 'details_changed', fields: ['productVersion'], from: { productVersion: '4.2.1' }, to: { productVersion: '4.2.2' }, missingDetails: ['stepsToReproduce'] }]);
    expect(changed(applyPatch(done.ticket, { browser: 'Firefox 120' }, t0)).effects).toEqual([]);
  });

  it('a closed ticket keeps its request as it was', () => {
    const closed = changed(applyPatch(changed(applyPatch(byMail(), { status: 'resolved' }, t0)).ticket, { status: 'closed' }, t0)).ticket;
    // A plain conflict: invalid_transition is for status changes (docs/problems.md).
    expect(violation(applyPatch(closed, { product: 'reader' }, t0))).toEqual({ kind: 'conflict', detail: expect.stringContaining('The ticket is closed: its request stays as it was') });
  });
});

describe('P10: the note of a wait on the requester is what the requester is asked (docs/adr/0035, addendum of 2026-12-04, sixth session)', () => {
  const note = 'Please send a screenshot of the error dialog, see https://docs.example.com/screens';

  it('P10: moving to awaiting_customer with a note carries it on the status change as the question', () => {
    const asked = changed(applyPatch(filed(), { status: 'awaiting_customer', waitReason: 'insufficient_information', note }, t0));
    expect(asked.effects).toContainEqual({ kind: 'status_changed', from: 'new', to: 'awaiting_customer', reason: 'insufficient_information', question: note });
  });

  it('P10: a new wait reason with a note carries it too; a note on any other status change is no question', () => {
    const waiting = changed(applyPatch(filed(), { status: 'awaiting_customer', waitReason: 'cannot_reproduce' }, t0)).ticket;
    expect(changed(applyPatch(waiting, { waitReason: 'malware', note }, t0)).effects).toEqual([
      { kind: 'status_changed', from: 'awaiting_customer', to: 'awaiting_customer', reason: 'malware', question: note },
    ]);
    const resolvedWithNote = changed(applyPatch(filed(), { status: 'resolved', note }, t0));
    expect(resolvedWithNote.effects.find((e) => e.kind === 'status_changed')).not.toHaveProperty('question');
  });

  // docs/adr/0035, addendum of 2026-12-04, seventh session: the ticket keeps the question while it waits (the site shows it, P12).
  it('P10: the ticket keeps the question while it waits; a new reason takes its own question (or none); a support-side delay keeps it', () => {
    const asked = changed(applyPatch(filed(), { status: 'awaiting_customer', waitReason: 'insufficient_information', note }, t0)).ticket;
    expect(asked).toMatchObject({ status: 'awaiting_customer', waitReason: 'insufficient_information', waitQuestion: note });
    const delayed = changed(applyPatch(asked, { supportDelay: 'needs_diagnostics', note: 'Checking the logs meanwhile.' }, t0)).ticket;
    expect(delayed.waitQuestion).toBe(note);
    const askedAgain = changed(applyPatch(asked, { waitReason: 'information_late', note: 'Still waiting for the screenshot.' }, t0)).ticket;
    expect(askedAgain.waitQuestion).toBe('Still waiting for the screenshot.');
    expect(changed(applyPatch(asked, { waitReason: 'malware' }, t0)).ticket.waitQuestion).toBeUndefined();
    expect(changed(applyPatch(filed(), { status: 'awaiting_customer', waitReason: 'cannot_reproduce' }, t0)).ticket.waitQuestion).toBeUndefined();
  });

  it('P10: the question goes when the wait ends: the requester replies, or support moves the ticket on', () => {
    const asked = changed(applyPatch(filed(), { status: 'awaiting_customer', waitReason: 'insufficient_information', note }, t0)).ticket;
    const replied = changed(receiveRequesterMessage(asked, { id: 'm1', channel: 'site', attachmentIds: [], body: 'Here it is.' }, t0)).ticket;
    expect(replied).toMatchObject({ status: 'open' });
    expect(replied.waitQuestion).toBeUndefined();
    for (const status of ['open', 'resolved', 'closed'] as const) {
      const moved = changed(applyPatch(asked, { status, ...(status === 'closed' ? { closure: { reason: 'malware_removal', thirdParty: 'security_software_vendor' } } : {}) }, t0)).ticket;
      expect(moved.waitQuestion).toBeUndefined();
    }
  });
});
