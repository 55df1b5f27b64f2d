import { linkedText, renderHtml } from '../src';

const render = (text: string) => renderHtml(linkedText(text));
const link = (href: string, text = href) => `<a href="${href}" rel="noopener noreferrer nofollow">${text}</a>`;

describe('web addresses in text become links (P8), and nothing else becomes markup', () => {
  it('links http and https addresses, escaped in the href and the text', () => {
    expect(render('See https://docs.example.com/a?x=1&y=2 now')).toBe(`See ${link('https://docs.example.com/a?x=1&amp;y=2')} now`);
    expect(render('HTTP://Example.com/Path')).toBe(link('HTTP://Example.com/Path'));
  });

  it('leaves the punctuation that ends a sentence, and an unbalanced bracket, outside the link', () => {
    expect(render('Read https://a.example/x.')).toBe(`Read ${link('https://a.example/x')}.`);
    expect(render('(see https://a.example/x), then')).toBe(`(see ${link('https://a.example/x')}), then`);
    expect(render('https://en.example/wiki/A_(b)!')).toBe(`${link('https://en.example/wiki/A_(b)')}!`);
  });

  it('ends an address at a quote or an angle bracket, so no attribute or tag can be written through it', () => {
    expect(render('<a href="https://evil.example/" onclick="x">y</a>')).toBe(`&lt;a href=&quot;${link('https://evil.example/')}&quot; onclick=&quot;x&quot;&gt;y&lt;/a&gt;`);
    expect(render("https://a.example/'onmouseover='x")).toBe(`${link('https://a.example/')}&#39;onmouseover=&#39;x`);
  });

  it('links no other scheme, and no bare scheme', () => {
    expect(render('javascript:alert(1) data:text/html,x ftp://a.example')).toBe('javascript:alert(1) data:text/html,x ftp://a.example');
    expect(render('https://. and https://')).toBe('https://. and https://');
  });

  it('keeps text without addresses as escaped text', () => {
    expect(render('a < b & "c"')).toBe('a &lt; b &amp; &quot;c&quot;');
  });
});
