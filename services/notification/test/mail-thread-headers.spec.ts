import { MAX_THREAD_MESSAGE_ID_OCTETS, threadHeadersOf } from '../src/domain/mail-delivery';

/** A msg-id of exactly `octets` octets (`<…@client.example>`), its local part of `fill`. */
const idOf = (octets: number, fill = 'x'): string => {
  const domain = '@client.example>';
  const local = fill.repeat(Math.ceil((octets - 1 - domain.length) / Buffer.byteLength(fill)));
  const id = `<${local}${domain}`;
  if (Buffer.byteLength(id) !== octets) throw new Error(`idOf(${octets}) made ${Buffer.byteLength(id)} octets`);
  return id;
};

// RFC 5322 §2.1.1: a line is at most 998 octets, and a msg-id cannot be folded (§3.6.4), so an id
// longer than what fits after "In-Reply-To: " is never answered (docs/adr/0035, addendum of 2026-12-05).
describe('threadHeadersOf: the threading headers of a mail of ours', () => {
  const ours = '<tss.0d9f3a52-3c1e-4a57-9a1e-7d1d2c1b0a02@tss.test>';

  it('the bound is the 998-octet line less "In-Reply-To: "', () => {
    expect(MAX_THREAD_MESSAGE_ID_OCTETS).toBe(998 - 'In-Reply-To: '.length);
  });

  it('answers an id that fits a header line, up to the bound', () => {
    const longest = idOf(MAX_THREAD_MESSAGE_ID_OCTETS);
    expect(threadHeadersOf(longest, null)).toEqual({ inReplyTo: longest, references: [longest] });
    expect(threadHeadersOf(ours, longest)).toEqual({ inReplyTo: ours, references: [longest, ours] });
  });

  it('an acknowledgment answering an id one octet too long has neither header, as for a mail without one', () => {
    expect(threadHeadersOf(idOf(MAX_THREAD_MESSAGE_ID_OCTETS + 1), null)).toEqual({});
    expect(threadHeadersOf(idOf(1_020), null)).toEqual({});
  });

  it('a later mail names only ours when the requester’s first id is too long', () => {
    expect(threadHeadersOf(ours, idOf(MAX_THREAD_MESSAGE_ID_OCTETS + 1))).toEqual({ inReplyTo: ours, references: [ours] });
  });

  it('counts octets, not characters: an id of Cyrillic letters is bounded by its UTF-8 length', () => {
    const cyrillic = idOf(MAX_THREAD_MESSAGE_ID_OCTETS + 2, 'щ'); // two octets a letter
    expect(cyrillic.length).toBeLessThan(MAX_THREAD_MESSAGE_ID_OCTETS);
    expect(threadHeadersOf(cyrillic, null)).toEqual({});
  });
});
