import { ratePage } from '../src/http/rate-page.views';

describe('the rate page: right-to-left text reads in its own direction', () => {
  it('the ticket’s subject and the comment box have dir="auto" (an Arabic subject reads right to left)', () => {
    const page = ratePage({ reference: 'TSS-00000-00000', subject: 'التطبيق يتعطل', language: 'en' }, { action: '/rate/x', csrfToken: 'c', values: { comment: 'شكرا' } });
    expect(page).toContain('<dd dir="auto">التطبيق يتعطل</dd>');
    expect(page).toMatch(/<textarea id="comment"[^>]* dir="auto"[^>]*>شكرا<\/textarea>/);
  });
});
