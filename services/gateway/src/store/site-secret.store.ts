import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Clock } from '@tss/service-kit';

/**
 * A secret of the support site, made once per deployment and shared by every gateway replica
 * through the database: the first replica to start writes it, the others read it. It signs the
 * forms' CSRF tokens, which guard little beyond the link itself, so it needs no wrapping.
 */
export const siteSecret = async (dataSource: DataSource, clock: Clock, name: string): Promise<Buffer> => {
  await dataSource.query(`INSERT INTO gateway.site_secrets (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`, [name, randomBytes(32), clock.now()]);
  const rows: { secret: Buffer }[] = await dataSource.query(`SELECT secret FROM gateway.site_secrets WHERE name = $1`, [name]);
  return rows[0].secret;
};
