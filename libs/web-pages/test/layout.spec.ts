import Fastify from 'fastify';
import request from 'supertest';
import {
  contentSecurityPolicy,
  fileField,
  html,
  pageHeaders,
  plainPageKindOf,
  postForm,
  radioGroup,
  redirectAfterPost,
  renderHtml,
  renderPage,
  renderPlainPage,
  selectField,
  sendPage,
  serveStylesheet,
  STYLESHEET,
  STYLESHEET_HASH,
  submitButton,
  textArea,
  textField,
} from '../src';

const css = '/support/assets/pages.css';

describe('renderPage', () => {
  it('has the language, the title, a skip link to main, the stylesheet and no script or inline style', () => {
    const page = renderPage({ language: 'ru', title: 'Обращение <1>', stylesheetHref: css, body: html`<p>${'<b>x</b>'}</p>` });
    expect(page.startsWith('<!doctype html>\n<html lang="ru">')).toBe(true);
    expect(page).toContain('<title>Обращение &lt;1&gt;</title>');
    expect(page).toContain('<a class="skip-link" href="#main">Перейти к основному содержанию</a>');
    expect(page).toContain('<main id="main" tabindex="-1">');
    expect(page).toContain(`<link rel="stylesheet" href="${css}">`);
    expect(page).toContain('<h1>Обращение &lt;1&gt;</h1>');
    expect(page).toContain('<p>&lt;b&gt;x&lt;/b&gt;</p>');
    expect(page).not.toMatch(/<script|style=|<style|\son\w+=/i);
  });

  it('puts an error summary before the heading, each problem linked to its field, and says so in the title', () => {
    const page = renderPage({
      language: 'en',
      title: 'New request',
      stylesheetHref: css,
      body: textField({ id: 'product', label: 'Product', language: 'en', required: true, error: 'Choose a product' }),
      errors: [{ fieldId: 'product', message: 'Choose a product' }],
    });
    expect(page).toContain('<title>There is a problem: New request</title>');
    expect(page.indexOf('error-summary')).toBeLessThan(page.indexOf('<h1>'));
    expect(page).toContain('<li><a href="#product">Choose a product</a></li>');
    expect(page).toContain('aria-describedby="product-error" aria-invalid="true" aria-required="true"');
    expect(page).toContain('<span class="field-error" id="product-error">Choose a product</span>');
  });

  it('shows a notice as a status', () => {
    expect(renderPage({ language: 'en', title: 't', stylesheetHref: css, body: '', notice: 'Your reply was sent.' })).toContain(
      '<div class="notice" role="status"><p>Your reply was sent.</p></div>',
    );
  });

  it('renders plain refusal pages with their status', () => {
    const gone = renderPlainPage('gone', 'en', css);
    expect(gone.status).toBe(410);
    expect(gone.html).toContain('<h1>This link has expired</h1>');
    expect(renderPlainPage('notFound', 'ru', css)).toMatchObject({ status: 404, html: expect.stringContaining('Страница не найдена') });
    expect(renderPlainPage('forbidden', 'en', css).status).toBe(403);
  });
});

describe('form controls', () => {
  it('label every control by id, with hints tied by aria-describedby', () => {
    const markup = renderHtml(
      html`${textArea({ id: 'text', label: 'Your reply', language: 'en', required: true, hint: 'Plain text', value: '</textarea><script>' })}
${selectField({ id: 'product', label: 'Product', language: 'en', value: 'reader', placeholder: '', options: [{ value: 'platform', label: 'Platform' }, { value: 'reader', label: 'Reader' }] })}
${fileField({ id: 'files', label: 'Attachments', language: 'en', multiple: true })}`,
    );
    expect(markup).toContain('<label for="text">Your reply <span class="hint-inline">(required)</span></label>');
    expect(markup).toContain('<span class="hint" id="text-hint">Plain text</span>');
    expect(markup).toContain('aria-describedby="text-hint"');
    expect(markup).toContain('&lt;/textarea&gt;&lt;script&gt;</textarea>');
    expect(markup).toContain('<option value="reader" selected>Reader</option>');
    expect(markup).toContain('<label for="files">Attachments <span class="hint-inline">(optional)</span></label>');
    expect(markup).toContain('<input type="file" id="files" name="files" multiple>');
  });

  it('groups radio buttons in a fieldset with a legend, each labelled', () => {
    const markup = renderHtml(radioGroup({ id: 'score', label: 'How was it?', language: 'en', required: true, value: '4', options: [1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: String(n) })) }));
    expect(markup).toContain('<legend>How was it? <span class="hint-inline">(required)</span></legend>');
    expect(markup).toContain('<input type="radio" id="score-3" name="score" value="4" checked><label for="score-3">4</label>');
  });

  it('posts forms with their CSRF token, novalidate, multipart when asked', () => {
    const markup = renderHtml(postForm({ action: '/support/t/x/reply', csrfToken: '1.abc', multipart: true }, submitButton('Send')));
    expect(markup).toContain('<form method="post" action="/support/t/x/reply" novalidate enctype="multipart/form-data">');
    expect(markup).toContain('<input type="hidden" name="_csrf" value="1.abc">');
    expect(markup).toContain('<button type="submit">Send</button>');
  });
});

describe('headers and the stylesheet route', () => {
  it('is a strict CSP', () => {
    expect(contentSecurityPolicy()).toBe("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
    expect(pageHeaders()).toMatchObject({ 'cache-control': 'no-store', 'referrer-policy': 'no-referrer', 'content-type': 'text/html; charset=utf-8' });
  });

  it('serves the stylesheet under its hash and pages with the headers', async () => {
    const app = Fastify();
    const href = serveStylesheet(app, '/support/');
    app.get('/support/page', async (_request, reply) => sendPage(reply, 200, renderPage({ language: 'en', title: 'x', stylesheetHref: href, body: '' })));
    app.post('/support/page', async (_request, reply) => redirectAfterPost(reply, '/support/page?sent=1'));
    await app.ready();
    try {
      expect(href).toBe(`/support/assets/pages.${STYLESHEET_HASH}.css`);
      const style = await request(app.server).get(href);
      expect(style.status).toBe(200);
      expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
      expect(style.headers['cache-control']).toContain('immutable');
      expect(style.text).toBe(STYLESHEET);
      const page = await request(app.server).get('/support/page');
      expect(page.headers['content-security-policy']).toBe(contentSecurityPolicy());
      expect(page.headers['cache-control']).toBe('no-store');
      expect(page.headers['referrer-policy']).toBe('no-referrer');
      const posted = await request(app.server).post('/support/page');
      expect(posted.status).toBe(303);
      expect(posted.headers.location).toBe('/support/page?sent=1');
    } finally {
      await app.close();
    }
  });

  it('has a focus style for every focusable control and no colour below AA on white', () => {
    expect(STYLESHEET).toMatch(/a:focus,button:focus,input:focus,textarea:focus,select:focus[^{]*\{outline:3px solid/);
    const luminance = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const onWhite = (hex: string) => 1.05 / (luminance(hex) + 0.05);
    const textColours = [...STYLESHEET.matchAll(/(?:^|[;{])color:(#[0-9a-f]{6})/g)].map((m) => m[1]).filter((c) => c !== '#ffffff');
    expect(textColours.length).toBeGreaterThan(4);
    for (const colour of textColours) expect({ colour, ratio: onWhite(colour) >= 4.5 }).toEqual({ colour, ratio: true });
    expect(1.05 / (luminance('#00703c') + 0.05)).toBeGreaterThanOrEqual(4.5); // white on the button
  });
});

describe('plain pages for any refusal status (docs/adr/0045 addendum)', () => {
  it('a status with a page of its own gets it; another 4xx is "could not be read" with its status; a fault is the error page', () => {
    expect(plainPageKindOf(404)).toBe('notFound');
    expect(plainPageKindOf(413)).toBe('tooLarge');
    expect(plainPageKindOf(429)).toBe('busy');
    expect(plainPageKindOf(415)).toBe('badRequest');
    expect(plainPageKindOf(500)).toBe('error');
    expect(plainPageKindOf(502)).toBe('error');
    const page = renderPlainPage('badRequest', 'ru', '/s.css', 415);
    expect(page.status).toBe(415);
    expect(page.html).toContain('<h1>Не удалось прочитать запрос</h1>');
  });

  it('a service down or not answering in time (503, 504) is "temporarily unavailable", and for a form "could not confirm", not a fault', () => {
    expect(plainPageKindOf(503)).toBe('unavailable');
    expect(plainPageKindOf(504, 'GET')).toBe('unavailable');
    expect(plainPageKindOf(504, 'POST')).toBe('unconfirmed');
    expect(plainPageKindOf(503, 'POST')).toBe('unconfirmed');
    const page = renderPlainPage('unconfirmed', 'en', '/s.css', 504);
    expect(page.status).toBe(504);
    expect(page.html).toContain('<h1>We could not confirm this</h1>');
  });
});

describe('text a person types or wrote, in any direction (Arabic, Hebrew)', () => {
  it('text fields and text areas have dir="auto", so right-to-left input reads right to left', () => {
    expect(renderHtml(textField({ id: 'name', label: 'Name', language: 'en', value: 'سارة' }))).toContain('value="سارة" dir="auto"');
    expect(renderHtml(textArea({ id: 'text', label: 'Text', language: 'en', value: 'مرحبا' }))).toMatch(/<textarea [^>]*dir="auto"[^>]*>مرحبا<\/textarea>/);
  });

  it('the site name in the header (a partner’s name) has dir="auto"', () => {
    expect(renderPage({ language: 'en', title: 'T', stylesheetHref: css, body: html``, siteName: 'شركة' })).toContain('<header class="site-header"><p dir="auto">شركة</p></header>');
  });
});

