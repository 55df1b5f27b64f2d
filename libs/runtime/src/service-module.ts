import type { FastifyInstance } from 'fastify';
import type { Static, TObject, TProperties } from '@sinclair/typebox';
import type { DataSource, EntitySchema, MigrationInterface } from 'typeorm';
import type { Logger } from 'pino';
import type { ServiceName } from '@tss/contracts';
import type { Clock, AccessTokenVerifier } from '@tss/service-kit';
import type { HandlerBinding, NewerTypeBinding, Outbox, UnitOfWork } from '@tss/messaging';

/** What a service is given to build its parts: nothing it could reach around. */
export interface ServiceDeps<Config = Record<string, unknown>> {
  /** Its own settings (`ServiceModule.config`), validated with the whole process's before anything connected. */
  config: Config;
  dataSource: DataSource;
  unitOfWork: UnitOfWork;
  outbox: Outbox;
  clock: Clock;
  logger: Logger;
  tokens: AccessTokenVerifier;
  env: NodeJS.ProcessEnv;
}

export interface BackgroundTask {
  name: string;
  start(): void;
  stop(): Promise<void>;
}

export interface ServiceParts {
  /** The service's HTTP routes (full paths, e.g. `/v1/tickets`), one encapsulated plugin. */
  routes?: (app: FastifyInstance) => Promise<void>;
  /** Its event handlers, one per consumed contract version. */
  handlers?: readonly HandlerBinding[];
  /** What it does with event types newer than its release, by family (docs/adr/0072); skipped without. */
  newerEventTypes?: readonly NewerTypeBinding[];
  background?: readonly BackgroundTask[];
  /**
   * Checks of what the settings meet in the service's data (a master key against what is sealed
   * under its id), run for every hosted service before any of them registers a route or writes:
   * each answers its problems, one line each naming its setting; any problem refuses the start
   * (SettingRefused, exit 78). They read, never write.
   */
  startChecks?: readonly (() => Promise<readonly string[]>)[];
}

/** A service as the runtime hosts it, alone (services mode) or with the others (single process). */
export interface ServiceModule<C extends TProperties = TProperties> {
  name: ServiceName;
  /** What it does, in a sentence: the text of its tag in the OpenAPI document. */
  description: string;
  /** Its PostgreSQL schema. */
  schema: string;
  entities: EntitySchema[];
  migrations: (new () => MigrationInterface)[];
  /**
   * The environment variables it reads, beyond the process's own (docs/adr/0015). The process
   * merges every hosted module's schema with its own and validates them all before it connects.
   */
  config?: TObject<C>;
  /** Rules on its settings a schema cannot say (a key's length once decoded): checked with the schema, before connecting. */
  configProblems?(config: Static<TObject<C>>): readonly string[];
  build(deps: ServiceDeps<Static<TObject<C>>>): ServiceParts;
  /**
   * Idempotency-Key handling on every POST of the service (docs/adr/0028). Default: on when its
   * migrations list `idempotencyMigration(schema)`, the table it needs.
   */
  idempotency?: boolean;
}

/** Declares a module; its `build` gets its `config` typed. */
export const defineService = <C extends TProperties = TProperties>(module: ServiceModule<C>): ServiceModule<C> => module;
