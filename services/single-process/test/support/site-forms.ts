import type { Test } from 'supertest';

/** The CSRF token of the form posting to `action` on a page of the support site or the rate page. */
export const csrfOf = (page: string, action: string): string => {
  const form = new RegExp(`<form method="post" action="${action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*>\\s*<input type="hidden" name="_csrf" value="([^"]+)">`).exec(page);
  if (!form) throw new Error(`no form posting to ${action} on the page`);
  return form[1];
};

/** The first cookie a response sets, as a request's `cookie` header sends it back (the new-request form's CSRF cookie). */
export const cookieOf = (response: { headers: Record<string, string | string[]> }): string =>
  ([] as string[]).concat(response.headers['set-cookie'] ?? [])[0]?.split(';')[0] ?? '';

/**
 * Files a request on the public form as a visitor who gives no e-mail address: the filed page's
 * reference and the path of its "follow your request" link, the only way back to it.
 */
export const fileAsVisitor = async (
  http: () => { get(url: string): Test; post(url: string): Test },
  partnerId: string,
  fields: { productVersion: string; description: string },
): Promise<{ reference: string; path: string; page: string }> => {
  const action = `/support/new?partner=${partnerId}`;
  const form = await http().get(action);
  const filed = await http()
    .post(action)
    .set('cookie', cookieOf(form))
    .type('form')
    .send({ _csrf: csrfOf(form.text, action), product: 'reader', ...fields });
  if (filed.status !== 201) throw new Error(`the public form answered ${filed.status}, not 201`);
  const reference = /<strong class="reference">(TSS-[A-Z0-9-]+)<\/strong>/.exec(filed.text)![1];
  const path = new URL(/<a class="follow-link" href="([^"]+)">/.exec(filed.text)![1].replace(/&amp;/g, '&')).pathname;
  return { reference, path, page: filed.text };
};
