import type { ValidatorFactory } from '@fastify/ajv-compiler';
import SerializerSelector, { type SerializerFactory } from '@fastify/fast-json-stringify-compiler';

type Validate = ReturnType<ReturnType<ValidatorFactory>>;

/**
 * An app's route schemas, compiled on their first use rather than while fastify gets ready
 * (docs/adr/0075). fastify compiles every route's validators (ajv) and response serializers
 * (fast-json-stringify) at `ready`: the platform's routes spent most of a second of CPU there at
 * each start, for routes a process may not serve for hours. The first request of a route pays for
 * its own schemas (milliseconds). A schema that does not compile fails the request that needs it
 * (a 500 problem and an error line), not the start: `compileAll` compiles what is left, and the
 * OpenAPI suite calls it on the whole platform, so such a schema fails the tests, as it failed
 * every start before.
 */
export interface LazySchemas {
  buildValidator: ValidatorFactory;
  buildSerializer: SerializerFactory;
  /** Compiles every schema not compiled yet; returns how many. Throws naming the route of the first that does not compile. */
  compileAll(): number;
}

export const lazySchemas = (validators: ValidatorFactory, serializers: SerializerFactory = SerializerSelector()): LazySchemas => {
  const pending = new Set<() => unknown>();
  /** `build` at the first call of the returned function, once; until then, listed for compileAll. */
  const deferred = <T>(what: string, build: () => T): (() => T) => {
    let built: T | undefined;
    const get = () => {
      if (built === undefined) {
        try {
          built = build();
        } catch (error) {
          throw new Error(`the schema of ${what} does not compile: ${(error as Error).message}`, { cause: error });
        }
        pending.delete(get);
      }
      return built;
    };
    pending.add(get);
    return get;
  };
  const once = <T>(build: () => T): (() => T) => {
    let built: T | undefined;
    return () => (built ??= build());
  };

  return {
    buildValidator: (externalSchemas, options) => {
      // The ajv instances (formats, shared schemas) are made at the first compilation too.
      const compiler = once(() => validators(externalSchemas, options));
      return (route) => {
        const validator = deferred(`${route.method} ${route.url} (${route.httpPart})`, () => compiler()(route));
        const validate = ((data: unknown, context?: Parameters<Validate>[1]) => {
          const compiled = validator();
          const valid = compiled(data, context);
          validate.errors = compiled.errors;
          return valid;
        }) as Validate;
        // fastify reads it before each call, to pass the parent along so that ajv can coerce the part in place.
        Object.defineProperty(validate, 'schemaEnv', { get: () => validator().schemaEnv, enumerable: true });
        return validate;
      };
    },
    buildSerializer: (externalSchemas, options) => {
      const compiler = once(() => serializers(externalSchemas, options));
      return (route) => {
        const serializer = deferred(`${route.method} ${route.url} (response ${route.httpStatus})`, () => compiler()(route));
        return (payload) => serializer()(payload);
      };
    },
    compileAll: () => {
      const left = [...pending];
      for (const compile of left) compile();
      return left.length;
    },
  };
};
