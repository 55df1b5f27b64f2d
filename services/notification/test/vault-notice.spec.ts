import { vaultNoticeBlock } from '../src/domain/vault-notice';

const paragraphOf = (block: ReturnType<typeof vaultNoticeBlock>): string => ('paragraph' in block ? block.paragraph : '');

describe('the vault notice in the requester’s mails (P9)', () => {
  it('P9: a rating comment’s particulars were removed from the comment, not masked in a thread it never reached (EN/RU)', () => {
    const en = paragraphOf(vaultNoticeBlock('en', 1, 'rating_comment'));
    const ru = paragraphOf(vaultNoticeBlock('ru', 1, 'rating_comment'));
    expect(en).toContain('removed them from the comment');
    expect(en).not.toContain('thread');
    expect(ru).toContain('удалили из комментария');
    expect(ru).not.toContain('переписке');
  });

  it('P9: a message’s particulars were masked in the thread; a request’s in the request', () => {
    expect(paragraphOf(vaultNoticeBlock('en', 2, 'message'))).toContain("masked them in the request's thread");
    expect(paragraphOf(vaultNoticeBlock('ru', 2, 'message'))).toContain('скрыли в переписке');
    expect(paragraphOf(vaultNoticeBlock('en', 1, 'request'))).toContain('masked them in your request');
    expect(paragraphOf(vaultNoticeBlock('ru', 1, 'request'))).toContain('скрыли в обращении');
  });
});
