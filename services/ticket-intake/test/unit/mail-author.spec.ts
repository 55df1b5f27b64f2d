import { mailAuthor, mailUploader } from '../../src/domain/mail-author';

describe('who wrote a mail threaded onto a ticket (P8, docs/adr/0035 addendum)', () => {
  it('the requester, under their id, only from their own address (in any case)', () => {
    expect(mailAuthor({ id: 'cust-1', email: 'Ann@Client.example' }, 'ann@client.example')).toEqual({ kind: 'requester', id: 'cust-1', name: 'ann@client.example' });
  });

  it('another sender, named by address and without the requester’s id, from any other address or when the requester has none', () => {
    expect(mailAuthor({ id: 'cust-1', email: 'ann@client.example' }, 'mallory@attacker.test')).toEqual({ kind: 'email_sender', name: 'mallory@attacker.test' });
    expect(mailAuthor({ id: 'cust-1' }, 'ann@client.example')).toEqual({ kind: 'email_sender', name: 'ann@client.example' });
    expect(mailAuthor(undefined, 'ann@client.example')).toEqual({ kind: 'email_sender', name: 'ann@client.example' });
  });

  it('P8: a mailed file is uploaded by whom its message names: the requester by their id, another sender by address', () => {
    const requester = { id: 'mail:ann@client.example', email: 'ann@client.example' };
    expect(mailUploader(mailAuthor(requester, 'Ann@Client.example'), 'Ann@Client.example')).toEqual({ kind: 'requester', id: 'mail:ann@client.example' });
    expect(mailUploader(mailAuthor(requester, 'carl@client.example'), 'carl@client.example')).toEqual({ kind: 'email_sender', id: 'carl@client.example' });
  });
});
