import type { Server } from 'node:http';
import request from 'supertest';

/** A supertest client for a TSS HTTP app that knows the token dance (client credentials). */
export class PlatformClient {
  constructor(private readonly server: Server | string) {}

  http() {
    return request(this.server);
  }

  async token(clientId: string, clientSecret: string, scope?: string): Promise<string> {
    const response = await this.http()
      .post('/v1/auth/token')
      .type('form')
      .send({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...(scope ? { scope } : {}) });
    if (response.status !== 200) throw new Error(`token request failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.access_token as string;
  }

  /** Creates a partner and one API client for it; returns the partner id and a partner token. */
  async partner(adminToken: string, name: string): Promise<{ partnerId: string; token: string; clientId: string; clientSecret: string }> {
    const partner = await this.http().post('/v1/partners').auth(adminToken, { type: 'bearer' }).send({ name });
    if (partner.status !== 201) throw new Error(`create partner failed: ${partner.status} ${JSON.stringify(partner.body)}`);
    const client = await this.http().post(`/v1/partners/${partner.body.id}/clients`).auth(adminToken, { type: 'bearer' }).send();
    if (client.status !== 201) throw new Error(`create client failed: ${client.status} ${JSON.stringify(client.body)}`);
    return {
      partnerId: partner.body.id,
      clientId: client.body.clientId,
      clientSecret: client.body.clientSecret,
      token: await this.token(client.body.clientId, client.body.clientSecret),
    };
  }

  /** Creates a staff API client with these roles; returns its id (the staff id its tokens carry) and a token. */
  async staff(
    adminToken: string,
    roles: readonly string[],
    displayName = `Staff ${roles.join(' ')}`,
  ): Promise<{ staffId: string; token: string; clientId: string; clientSecret: string }> {
    const created = await this.http().post('/v1/clients').auth(adminToken, { type: 'bearer' }).send({ roles, displayName });
    if (created.status !== 201) throw new Error(`create staff client failed: ${created.status} ${JSON.stringify(created.body)}`);
    const { clientId, clientSecret } = created.body as { clientId: string; clientSecret: string };
    return { staffId: clientId, clientId, clientSecret, token: await this.token(clientId, clientSecret) };
  }

  /** A requester token minted by a partner for one of its clients. */
  async requester(partnerToken: string, requesterId: string): Promise<string> {
    const minted = await this.http().post('/v1/auth/requester-token').auth(partnerToken, { type: 'bearer' }).send({ requesterId });
    if (minted.status !== 200 && minted.status !== 201) throw new Error(`requester token failed: ${minted.status} ${JSON.stringify(minted.body)}`);
    return minted.body.access_token as string;
  }
}

export const sampleTicket = (overrides: Record<string, unknown> = {}) => ({
  product: 'reader',
  productVersion: '4.2.1',
  subject: 'Reader crashes on opening EPUB',
  description: 'The reader closes when opening any EPUB from the library.',
  browser: 'Firefox 133',
  ...overrides,
});
