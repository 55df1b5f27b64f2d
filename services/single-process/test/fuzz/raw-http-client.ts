import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FuzzRequest } from './malformed-requests';

export interface RawResponse {
  status: number;
  contentType: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  json: Record<string, unknown> | undefined;
}

/**
 * Sends requests exactly as generated: the target as written (broken percent-encodings included),
 * the body bytes as they are and no header the request does not name. supertest would add a
 * content type, and fetch would normalise the URL.
 */
export class RawHttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });

  constructor(private readonly address: AddressInfo) {}

  send(fuzz: FuzzRequest, token: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { ...fuzz.headers, authorization: `Bearer ${token}` };
      if (fuzz.body !== undefined) headers['content-length'] = fuzz.body.length;
      const outgoing = request({ agent: this.agent, host: this.address.address, port: this.address.port, method: fuzz.method, path: fuzz.target, headers }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            json = undefined;
          }
          resolve({ status: incoming.statusCode ?? 0, contentType: String(incoming.headers['content-type'] ?? ''), json });
        });
      });
      // The server may answer 413 and close before it has read a large body: the answer still counts.
      outgoing.on('error', reject);
      outgoing.end(fuzz.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
