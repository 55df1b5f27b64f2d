import { rmSync } from 'node:fs';
import type { EmbeddedPostgres } from '../../libs/persistence/src/embedded-postgres';
import { dropTemplateDatabase } from '../../libs/persistence/src/testing/test-database';

export default async function globalTeardown(): Promise<void> {
  const scope = globalThis as { __TSS_TEST_PG__?: { pg: EmbeddedPostgres; dataDir: string }; __TSS_TEST_TEMPLATE__?: { adminUrl: string; template: string } };
  const bundles = (globalThis as { __TSS_TEST_BUNDLES__?: string }).__TSS_TEST_BUNDLES__;
  if (bundles) rmSync(bundles, { recursive: true, force: true });
  const state = scope.__TSS_TEST_PG__;
  if (state) {
    await state.pg.stop();
    rmSync(state.dataDir, { recursive: true, force: true });
  } else {
    // An external server outlives the run: leave no template behind on it.
    const template = scope.__TSS_TEST_TEMPLATE__;
    if (template) await dropTemplateDatabase(template.adminUrl, template.template);
  }
  // The run's temporary folder in memory, with whatever a suite left in it.
  const scratch = (globalThis as { __TSS_TEST_SCRATCH__?: string }).__TSS_TEST_SCRATCH__;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
