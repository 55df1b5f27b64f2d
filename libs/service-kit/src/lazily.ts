import { createRequire } from 'node:module';

const requireHere = createRequire(__filename);

/**
 * Loads an npm package when first asked for, not when this file is loaded (packages only some
 * processes use: YAML for `/openapi.yaml`, ioredis when a Redis is configured). The exporting half of
 * tracing (the Node SDK, the OTLP exporter, the instrumentations and the require hooks they
 * install) costs a process that exports nothing about 20 MiB it never uses
 * (docs/adr/0048-idle-memory.md). The call stays lazy in the esbuild bundles (npm packages are
 * external) and, under Jest, goes through Jest's module registry like an `import` would.
 * Type it with `import type` of the package.
 */
export const lazily = <T>(name: string): T => requireHere(name) as T;
