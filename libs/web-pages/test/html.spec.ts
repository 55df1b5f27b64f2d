import { escapeHtml, html, renderHtml, trustedHtml } from '../src';

describe('html', () => {
  it('escapes the five HTML specials and the backtick', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;');
  });

  it('escapes interpolated text but keeps interpolated markup', () => {
    const userText = '<script>alert(1)</script>';
    const page = renderHtml(html`<p title="${'"quoted"'}">${userText}</p>${html`<b>${'&'}</b>`}`);
    expect(page).toBe('<p title="&quot;quoted&quot;">&lt;script&gt;alert(1)&lt;/script&gt;</p><b>&amp;</b>');
  });

  it('renders lists, numbers and nothing for false, null and undefined', () => {
    expect(renderHtml(html`${[1, html`<i>2</i>`, '<3>']}${false}${null}${undefined}`)).toBe('1<i>2</i>&lt;3&gt;');
  });

  it('passes trusted markup through', () => {
    expect(renderHtml(html`${trustedHtml('<strong>ok</strong>')}`)).toBe('<strong>ok</strong>');
  });
});
