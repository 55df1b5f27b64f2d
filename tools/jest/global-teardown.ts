import { rmSync } from 'node:fs';
import type { EmbeddedPostgres } from '../../libs/persistence/src/embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __TSS_TEST_PG__?: { pg: EmbeddedPostgres; dataDir: string } }).__TSS_TEST_PG__;
  if (!state) return;
  await state.pg.stop();
  rmSync(state.dataDir, { recursive: true, force: true });
}
