import { receivesType } from '../src/domain/webhook-filter';
import { replaySelectionOf, selectsType } from '../src/domain/webhook-replay';
import { FILTER_SETS, TYPES_TO_TRY } from './support/replay-cases';

describe('a replay selects the events live matching would send the endpoint', () => {
  it.each([
    ['a partner’s endpoint', '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a02'],
    ['an internal system’s (every partner)', null],
  ])('%s: for every filter set and type, the selection agrees with receivesType', (_, partnerId) => {
    for (const eventTypes of FILTER_SETS) {
      const endpoint = { partnerId, eventTypes };
      const selection = replaySelectionOf(endpoint);
      for (const type of TYPES_TO_TRY) expect([eventTypes, type, selectsType(selection, type)]).toEqual([eventTypes, type, receivesType(endpoint, type)]);
    }
  });

  it('a partner’s `*` selects no staff-only event; an internal system’s selects them', () => {
    const partners = replaySelectionOf({ partnerId: '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a02', eventTypes: ['*'] });
    expect(partners).toEqual({
      partnerId: '5f0c9a52-3c1e-4a57-9a1e-7d1d2c1b0a02',
      everyType: true,
      exactTypes: [],
      typePrefixes: [],
      excludedTypes: ['ticket.referral_applied', 'ticket.referral_rejected'],
      excludedPrefixes: ['escalation.'],
    });
    expect(replaySelectionOf({ partnerId: null, eventTypes: ['ticket.created', 'sla.*'] })).toEqual({
      partnerId: null,
      everyType: false,
      exactTypes: ['ticket.created'],
      typePrefixes: ['sla.'],
      excludedTypes: [],
      excludedPrefixes: [],
    });
  });
});
