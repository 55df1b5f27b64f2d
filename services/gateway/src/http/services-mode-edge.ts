import type { FastifyInstance } from 'fastify';
import { type EdgeConfig, installEdgeProtection } from './edge-protection';
import { installUploadDeadline } from './upload-deadline';

/**
 * The gateway process's edge in services mode: the edge protection, and the arrival deadline of
 * every upload (docs/adr/0063): the support site's reply form, which the gateway reads itself, and
 * the API's, which stream through the forwarding (a stalled client is a 408 there too, not the
 * service's fault).
 */
export const installServicesModeEdge = async (app: FastifyInstance, config: EdgeConfig): Promise<void> => {
  await installEdgeProtection(app, config);
  installUploadDeadline(app, config.TSS_UPLOAD_TIMEOUT_MS);
};
