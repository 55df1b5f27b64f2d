// `npm run start:services`: services mode on one machine for a newcomer. PostgreSQL (embedded
// unless DATABASE_URL is set), a Kafka broker (deploy/kafka unless KAFKA_BROKERS is set), every
// service migrated and run as its own process, the gateway's URL printed. Ctrl-C stops it all.
// Settings: TSS_DATA_DIR (.data/services), TSS_BASE_PORT (8080: gateway, then one port per
// service), TSS_METRICS_BASE_PORT (9464), TSS_PG_PORT (25432: below the ephemeral port range, see
// local-port-range.ts), TSS_PG_PORT_WAIT_MS (30000: a TSS_PG_PORT taken at start is waited for this
// long), KAFKA_PORT (9092), LOG_LEVEL (warn); every other variable of this environment reaches each
// service as it is, and each service's settings are checked here too, by its own schema, before
// anything starts.
import { exitOnUnknownArgument, isExpectedStartFailure, loadConfigOrExit } from '@tss/runtime';
import { serviceSettingsProblems, startServicesOptionsOf, startServicesProblems, StartServicesEnv } from '../../services/single-process/src/start-services.config';
import { SERVICE_PROCESSES, startServices, type RunningServices } from '../../services/single-process/src/start-services';

/** What `npm run start:services` takes: nothing; its settings are environment variables (above). */
const USAGE = 'usage: start-services.ts (no arguments: its settings are environment variables)';

// Any argument, `--help` too (as main.ts answers it): one line with the usage, exit 64, nothing
// started; a typo used to start the whole platform (README, Settings: EX_USAGE).
const unknown = process.argv[2];
if (unknown !== undefined) exitOnUnknownArgument('start:services', unknown, USAGE);
// Every setting of the launcher's own, and of each service it starts in the environment it would get,
// checked before it starts or writes anything: exit 78, one message naming each bad one.
const config = loadConfigOrExit(StartServicesEnv, 'start:services', process.env, (env) => [...startServicesProblems(SERVICE_PROCESSES.length)(env), ...serviceSettingsProblems(env)]);
// One way out, whatever ends the launcher: Ctrl-C, SIGTERM, SIGHUP (the terminal closed), an error
// of its own, during start-up or after. Each stops the services, the broker and PostgreSQL it
// started; the broker runs in a session of its own and would outlive the launcher otherwise.
const aborted = new AbortController();
let running: RunningServices | undefined;
let exiting = false;
let exitCode = 0;
const shutdown = (code: number) => {
  if (exiting) return;
  exiting = true;
  exitCode = code;
  aborted.abort();
  // During start-up, startServices sees the abort at its next step, stops what it started and rejects.
  running?.stop().then(
    () => process.exit(code),
    () => process.exit(1),
  );
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(0));
process.on('uncaughtException', (error) => {
  process.stderr.write(`start:services: ${error.stack ?? String(error)}\n`);
  shutdown(1);
});
// A closed terminal or pipe: nothing can be printed any more, so stop rather than die silently.
process.stdout.on('error', () => shutdown(0));

// A setting to fix (a port another process holds) is its message alone; a fault, its stack.
const described = (error: unknown): string =>
  error instanceof Error ? (isExpectedStartFailure(error) && !/^(debug|trace)$/.test(config.LOG_LEVEL) ? error.message : (error.stack ?? error.message)) : String(error);

startServices({
  ...startServicesOptionsOf(config),
  write: (line) => process.stdout.write(`${line}\n`),
  signal: aborted.signal,
})
  .then((started) => {
    running = started;
    if (exiting) {
      // A signal came as start-up finished: stop what just started.
      started.stop().then(
        () => process.exit(exitCode),
        () => process.exit(1),
      );
      return;
    }
    const lines = [
      '',
      `TSS (services mode) is running at ${started.gatewayUrl}`,
      `  API docs:  ${started.gatewayUrl}/docs`,
      ...Object.entries(started.urls).map(([name, url]) => `  ${name.padEnd(14)} ${url}   Metrics: ${started.metricsUrls[name]}`),
      `  Kafka:     ${started.kafkaBrokers}`,
      '',
      'Admin client of this data folder (kept in bootstrap-admin.json there):',
      `  curl -s ${started.gatewayUrl}/v1/auth/token -d grant_type=client_credentials -d client_id=${started.admin.clientId} -d client_secret=${started.admin.clientSecret}`,
      '',
      'A service that exits is started again (the others keep running); one whose port another process took stops everything. Ctrl-C stops everything.',
      '',
    ];
    process.stdout.write(lines.join('\n'));
    // The platform stopped itself (a service's port taken since the start): one line, exit 1.
    void started.failure.then((error) => {
      if (exiting) return;
      exiting = true;
      process.stderr.write(`start:services failed: ${described(error)}\n`);
      process.exit(1);
    });
  })
  .catch((error: unknown) => {
    // startServices has stopped what it started before it rejected.
    if (!aborted.signal.aborted) process.stderr.write(`start:services failed: ${described(error)}\n`);
    process.exit(aborted.signal.aborted ? exitCode : 1);
  });
