import type { FastifyInstance } from 'fastify';
import { type EdgeConfig, installEdgeProtection } from './edge-protection';

/**
 * The gateway process's edge in services mode: the edge protection. The arrival deadline of every
 * request, uploads included (the support site's reply form, which the gateway reads itself, and
 * the API's, which stream through the forwarding), is every server's own since the sixth session
 * (service-kit's request-deadline.ts, from the process's TSS_REQUEST_TIMEOUT_MS and
 * TSS_UPLOAD_TIMEOUT_MS; docs/adr/0063).
 */
export const installServicesModeEdge = async (app: FastifyInstance, config: EdgeConfig): Promise<void> => {
  await installEdgeProtection(app, config);
};
