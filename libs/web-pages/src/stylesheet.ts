import { createHash } from 'node:crypto';

/**
 * The pages' one stylesheet, served from a route whose name carries its hash (so it can be cached
 * for ever and the CSP needs only `style-src 'self'`: no inline styles). Colours meet WCAG 2.2 AA
 * contrast on white (text 17:1, links 7.9:1, hints 7.0:1, errors 6.5:1, white on the button
 * green 6.2:1); every focusable element shows a 3 px focus ring (SC 2.4.7, 2.4.11).
 *
 * SC 1.4.10 Reflow: at 320 CSS px (400 % zoom) nothing scrolls sideways, with SC 1.4.12's text
 * spacing too. The facts list is a label above its value until there is room for two columns
 * (40em); a value may break anywhere (a reference, a subject that is one long file name); words
 * too long for their line break rather than widen the page; the file input is no wider than its form.
 */
export const STYLESHEET = `
*,*::before,*::after{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;font-size:100%;line-height:1.5;color:#1b1b1b;background:#fff}
body{margin:0}
.skip-link{position:absolute;left:-9999px;top:0;padding:.5rem 1rem;background:#fd0;color:#0b0c0c}
.skip-link:focus{left:0;z-index:10}
.site-header{background:#0b0c0c;color:#fff;padding:.75rem 1rem}
.site-header p{margin:0;font-weight:700}
main{display:block;max-width:46rem;margin:0 auto;padding:1rem;overflow-wrap:break-word}
main:focus{outline:none}
footer{max-width:46rem;margin:2rem auto 1rem;padding:0 1rem;color:#505a5f;font-size:.875rem}
h1{font-size:1.75rem;line-height:1.2;margin:1rem 0}
h2{font-size:1.25rem;margin:1.5rem 0 .5rem}
a{color:#1a4fa0;text-decoration:underline}
a:visited{color:#4c2c92}
a:hover{color:#0b0c0c}
a:focus,button:focus,input:focus,textarea:focus,select:focus,.error-summary:focus{outline:3px solid #fd0;outline-offset:0;box-shadow:0 0 0 6px #0b0c0c}
a:focus{background:#fd0;color:#0b0c0c;text-decoration:none}
dl.facts{margin:0 0 1rem}
dl.facts dt{font-weight:700}
dl.facts dd{margin:0 0 .5rem;overflow-wrap:anywhere;min-width:0}
@media (min-width:40em){dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem 1rem}dl.facts dd{margin:0}}
.field{margin:0 0 1.25rem}
.field label,.field legend{display:block;font-weight:700;margin-bottom:.25rem}
.hint-inline{font-weight:400}
.hint{display:block;color:#505a5f;margin-bottom:.25rem}
.field-error{display:block;color:#b3261e;font-weight:700;margin-bottom:.25rem}
input[type=text],input[type=email],textarea,select{width:100%;max-width:40rem;font:inherit;padding:.4rem;border:2px solid #0b0c0c;border-radius:0;background:#fff;color:#1b1b1b}
input[type=file]{font:inherit;max-width:100%}
textarea{min-height:8rem}
.field--error input,.field--error textarea,.field--error select{border-color:#b3261e;border-width:3px}
fieldset{border:0;padding:0;margin:0 0 1.25rem}
.choice{display:flex;align-items:center;gap:.5rem;margin:.25rem 0}
.choice label{font-weight:400;margin:0}
.choice input{width:1.5rem;height:1.5rem;margin:0}
button{font:inherit;font-weight:700;padding:.5rem 1.25rem;border:0;border-bottom:2px solid #002d18;background:#00703c;color:#fff;cursor:pointer}
button:hover{background:#005a30}
button.secondary{background:#f3f2f1;color:#0b0c0c;border-bottom-color:#929191}
.error-summary{border:4px solid #b3261e;padding:1rem;margin:0 0 1.5rem}
.error-summary h2{margin-top:0}
.error-summary a{color:#b3261e;font-weight:700}
.notice{border-left:6px solid #00703c;padding:.5rem 1rem;margin:0 0 1.5rem;background:#f3f2f1}
.awaiting{border-left:6px solid #1d70b8;padding:.5rem 1rem;margin:0 0 1.5rem;background:#f3f2f1}
.awaiting h2{margin-top:.5rem}
.awaiting .question{margin:.5rem 0}
.thread{list-style:none;padding:0;margin:0}
.message{border-top:1px solid #b1b4b6;padding:.75rem 0}
.message-meta{color:#505a5f;font-size:.9375rem;margin:0 0 .25rem}
.message-body{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
.attachments{margin:.5rem 0 0;padding-left:1.25rem}
.reference{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.25rem;letter-spacing:.05em}
`.trim();

/** The stylesheet's content hash: part of its file name. */
export const STYLESHEET_HASH = createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12);

/** Where a site serves the stylesheet under its own prefix (`/support` → `/support/assets/pages.<hash>.css`). */
export const stylesheetPath = (basePath: string): string => `${basePath.replace(/\/$/, '')}/assets/pages.${STYLESHEET_HASH}.css`;

/** The stylesheet response's headers: its name changes with its content, so caching it for a year is safe. */
export const STYLESHEET_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/css; charset=utf-8',
  'cache-control': 'public, max-age=31536000, immutable',
  'x-content-type-options': 'nosniff',
};
