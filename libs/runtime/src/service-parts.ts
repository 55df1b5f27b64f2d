import type { FastifyInstance } from 'fastify';
import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';
import type { EntitySchema, MigrationInterface } from 'typeorm';
import { messagingMigrations, type HandlerBinding } from '@tss/messaging';
import { TimerRetentionEnv, timerRetentionSettingsOf, TimerStore, TimerWorker, timersMigrations, type TimerBatchHandler, type TimerHandler, type TimerRetentionConfig } from '@tss/timers';
import type { ServiceName } from '@tss/contracts';
import { idempotencyMigration } from './idempotency';
import type { BackgroundTask, ServiceDeps, ServiceModule } from './service-module';
import { namedPlugin } from '@tss/service-kit';

/** What every part of a service is given: the service's deps and the durable timers of its schema. */
export type PartDeps<Config = Record<string, unknown>, Extra = object> = ServiceDeps<Config> & { timers: TimerStore } & Extra;

/** What one part contributes once built. */
export interface BuiltPart {
  routes?: (app: FastifyInstance) => Promise<void>;
  /**
   * Event handlers. Two parts may handle the same contract: they run one after the other in the
   * event's one transaction (`mergeHandlers`).
   */
  handlers?: readonly HandlerBinding[];
  /** Handlers of this part's timer kinds (`@tss/timers`); one worker per service fires them all. */
  timers?: Readonly<Record<string, TimerHandler>>;
  /** Timer kinds handled a batch at a time (a breach storm, thousands due in one second). */
  batchTimers?: Readonly<Record<string, TimerBatchHandler>>;
  background?: readonly BackgroundTask[];
  /** Checks before the start goes on (`ServiceParts.startChecks`): read-only, problems one line each. */
  startChecks?: readonly (() => Promise<readonly string[]>)[];
}

/**
 * One feature of a service (intake's attachments, notification's webhooks, escalation's roster …):
 * its settings, migrations and parts. `composeService` makes the one service module of them, so a
 * feature is added in its own files and one line in the service's `index.ts`.
 */
export interface ServicePart<C extends TProperties = TProperties, Extra = object> {
  name: string;
  /** Its environment settings; merged with the other parts' into the service's config schema. */
  config?: C;
  configProblems?(config: Static<TObject<C>>): readonly string[];
  entities?: EntitySchema[];
  /** Its migrations; class names end in a 13-digit timestamp that orders them after the ones they build on. */
  migrations?: (new () => MigrationInterface)[];
  build(deps: PartDeps<Static<TObject<C>>, Extra>): BuiltPart;
}

export interface ComposedService<Extra> {
  name: ServiceName;
  description: string;
  schema: string;
  parts: readonly ServicePart<TProperties, Extra>[];
  /** Deps the parts share beyond the service's (hook lists one part fills and another reads). */
  extraDeps?: () => Extra;
  /**
   * Keys on every POST (docs/adr/0028): `true` adds the table with its first migration; a service
   * that took keys later gives its own migration of it (`idempotencyMigration(schema, timestamp)`).
   */
  idempotency?: boolean | (new () => MigrationInterface);
  /** JSON schemas every part's routes may `$ref`. */
  sharedSchemas?: readonly TSchema[];
}

const migrationTimestamp = (m: new () => unknown): number => Number(/(\d{13})$/.exec(m.name)?.[1] ?? 0);

/** One binding per contract version: handlers of several parts for it run in order, in one transaction. */
export const mergeHandlers = (bindings: readonly HandlerBinding[]): HandlerBinding[] => {
  const byContract = new Map<string, HandlerBinding[]>();
  for (const b of bindings) {
    const key = `${b.contract.type}@${b.contract.version}`;
    byContract.set(key, [...(byContract.get(key) ?? []), b]);
  }
  return [...byContract.values()].map((group) =>
    group.length === 1
      ? group[0]
      : {
          contract: group[0].contract,
          handle: async (event, ctx) => {
            for (const b of group) await b.handle(event, ctx);
          },
        },
  );
};

/** Declares a part; its `build` gets its `config` typed. */
export const definePart = <Extra = object>() => <C extends TProperties = TProperties>(part: ServicePart<C, Extra>): ServicePart<C, Extra> => part;

/**
 * The service module of its parts: one config schema (the parts' settings and its timer worker's,
 * `TIMER_RETENTION_*`), migrations in timestamp order after the messaging tables, one timer worker
 * for every part's timer kinds, handlers merged per contract.
 */
export const composeService = <Extra = object>(spec: ComposedService<Extra>): ServiceModule => {
  const { parts, schema } = spec;
  const sorted = [
    ...timersMigrations(schema),
    ...(spec.idempotency === true ? [idempotencyMigration(schema)] : spec.idempotency ? [spec.idempotency] : []),
    ...parts.flatMap((p) => p.migrations ?? []),
  ].sort((a, b) => migrationTimestamp(a) - migrationTimestamp(b));
  return {
    name: spec.name,
    description: spec.description,
    schema,
    config: Type.Object(Object.assign({}, TimerRetentionEnv, ...parts.map((p) => p.config ?? {})) as TProperties),
    configProblems: (config) => parts.flatMap((p) => p.configProblems?.(config as never) ?? []),
    entities: parts.flatMap((p) => p.entities ?? []),
    migrations: [...messagingMigrations(schema), ...sorted],
    // Said outright, so a table migration that is not idempotencyMigration's stops start-up (with-idempotency.ts).
    ...(spec.idempotency ? { idempotency: true } : {}),
    build: (serviceDeps) => {
      const timers = new TimerStore({ schema, clock: serviceDeps.clock });
      const deps = { ...serviceDeps, timers, ...(spec.extraDeps?.() ?? {}) };
      const built = parts.map((part) => part.build(deps as never));
      // One worker per replica: due timers are claimed with SKIP LOCKED, so replicas never fire one twice (docs/adr/0024).
      const worker = new TimerWorker({
        dataSource: deps.dataSource,
        schema,
        service: spec.name,
        clock: deps.clock,
        logger: deps.logger,
        handlers: Object.assign({}, ...built.map((b) => b.timers ?? {})),
        batchHandlers: Object.assign({}, ...built.map((b) => b.batchTimers ?? {})),
        // Declared in the module's config above, so checked at start with every other setting.
        retention: timerRetentionSettingsOf(serviceDeps.config as TimerRetentionConfig),
      });
      const timerTask: BackgroundTask = { name: `${spec.name} timers`, start: () => worker.start(), stop: () => worker.stop() };
      return {
        routes: async (app) => {
          for (const s of spec.sharedSchemas ?? []) app.addSchema(s);
          for (const [i, b] of built.entries()) if (b.routes) await app.register(namedPlugin(`${spec.name} ${parts[i].name} routes`, b.routes));
        },
        handlers: mergeHandlers(built.flatMap((b) => b.handlers ?? [])),
        background: [...built.flatMap((b) => b.background ?? []), timerTask],
        startChecks: built.flatMap((b) => b.startChecks ?? []),
      };
    },
  };
};
