import { vaultNoticeBlock } from '../src/domain/vault-notice';

const paragraphOf = (block: ReturnType<typeof vaultNoticeBlock>): string => ('paragraph' in block ? block.paragraph : '');

describe('the vault notice in the requester’s mails (P9)', () => {
  it('P9: a rating comment’s particulars were removed from the comment, not masked in a thread it never reached (EN/RU)', () => {
    const en = paragraphOf(vaultNoticeBlock('en', 'rating_comment'));
    const ru = paragraphOf(vaultNoticeBlock('ru', 'rating_comment'));
    expect(en).toContain('removed them from the comment');
    expect(en).not.toContain('thread');
    expect(ru).toContain('удалили из комментария');
    expect(ru).not.toContain('переписке');
  });

  it('P9: a message’s particulars were masked in the thread; a request’s in the request', () => {
    expect(paragraphOf(vaultNoticeBlock('en', 'message'))).toContain("masked them in the request's thread");
    expect(paragraphOf(vaultNoticeBlock('ru', 'message'))).toContain('скрыли в переписке');
    expect(paragraphOf(vaultNoticeBlock('en', 'request'))).toContain('masked them in your request');
    expect(paragraphOf(vaultNoticeBlock('ru', 'request'))).toContain('скрыли в обращении');
  });

  // An outside test: the notice of a message typed on the support site said "do not send passwords
  // by mail" / «не присылайте пароли в письмах»: the text was not mailed. The advice names no
  // channel, so it holds whichever carried the text (docs/adr/0026, addendum of 2026-12-05, second session).
  it('P9: the advice names no channel, for a message or a request sent through the site, the API or mail (EN/RU)', () => {
    for (const from of ['message', 'request'] as const) {
      expect(paragraphOf(vaultNoticeBlock('en', from))).toContain('Please change them once this request is resolved, and do not send passwords in messages.');
      expect(paragraphOf(vaultNoticeBlock('ru', from))).toContain('Пожалуйста, смените их после решения обращения и не присылайте пароли в сообщениях.');
    }
    expect(paragraphOf(vaultNoticeBlock('en', 'rating_comment'))).toContain('and do not write passwords in comments.');
    expect(paragraphOf(vaultNoticeBlock('ru', 'rating_comment'))).toContain('и не пишите пароли в комментариях.');
    for (const language of ['en', 'ru'] as const) {
      for (const from of ['message', 'request', 'rating_comment'] as const) {
        const notice = paragraphOf(vaultNoticeBlock(language, from));
        expect(notice).not.toContain('by mail');
        expect(notice).not.toContain('в письмах');
      }
    }
  });
});
