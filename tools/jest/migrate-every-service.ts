// Applies every service's migrations to DATABASE_URL: the Jest global setup builds the run's
// template database with it (tsx resolves the @tss/* paths that Jest's global setup cannot).
import { InProcessTransport } from '../../libs/messaging/src/in-process/in-process-transport';
import { migrateService } from '../../libs/runtime/src/service-host';
import { ALL_SERVICES } from '../../services/single-process/src/single-process-platform';

const main = async (): Promise<void> => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  for (const module of ALL_SERVICES) await migrateService(module, url);
  // The in-process transport's log too: every single-process boot would otherwise create it.
  const transport = new InProcessTransport();
  await transport.useDatabase(url);
  await transport.close();
};

main().catch((error: unknown) => {
  process.stderr.write(`migrating the template failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
