// What every benchmark asks of a running platform before its load: tokens, a partner and its client.

/** The JSON body of an answer; a non-2xx answer throws with its body (a benchmark stops there). */
export const json = async (response: Response): Promise<Record<string, unknown>> => {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.url} answered ${response.status}: ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
};

/** An access token for a client (OAuth 2.0 client credentials at the gateway). */
export const tokenOf = async (base: string, clientId: string, clientSecret: string): Promise<string> =>
  String(
    (await json(await fetch(`${base}/v1/auth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }) })))
      .access_token,
  );

/** A new partner, made by the admin client, and a token of its own client. */
export const partnerToken = async (base: string, admin: { clientId: string; clientSecret: string }, name = 'Bench partner'): Promise<string> => {
  const auth = { authorization: `Bearer ${await tokenOf(base, admin.clientId, admin.clientSecret)}`, 'content-type': 'application/json' };
  const partner = await json(await fetch(`${base}/v1/partners`, { method: 'POST', headers: auth, body: JSON.stringify({ name }) }));
  const client = await json(await fetch(`${base}/v1/partners/${String(partner.id)}/clients`, { method: 'POST', headers: { authorization: auth.authorization } }));
  return tokenOf(base, String(client.clientId), String(client.clientSecret));
};
