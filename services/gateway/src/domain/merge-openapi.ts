import type { OpenApiDocument, Result } from '@tss/service-kit';

/** One upstream service's own OpenAPI document. */
export interface ServiceDocument {
  service: string;
  document: OpenApiDocument;
}

export interface MergeOptions {
  /** The merged document's title, description and version. */
  info: OpenApiDocument['info'];
  /** The service the gateway forwards `path` to (DESIGN "Routes"); undefined when it answers the path itself. */
  routeOf: (path: string) => string | undefined;
}

export type MergeConflict =
  | { kind: 'operation'; method: string; path: string; services: [string, string] }
  | { kind: 'operation-id'; operationId: string; services: [string, string] }
  | { kind: 'component'; section: string; name: string; services: [string, string] };

export interface MergedDocument {
  document: OpenApiDocument;
  /** Upstream paths the gateway would not forward to their service: left out, worth a warning. */
  unrouted: { service: string; path: string }[];
}

const GATEWAY = 'gateway';
// Each instance answers its own health routes; the gateway's stand for the gateway.
const INSTANCE_TAG = 'health';
const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON with sorted keys: two schemas are the same schema whatever order their keys came in. */
const canonical = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(canonical).join(',')}]`
    : isRecord(value)
      ? `{${Object.keys(value)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
          .join(',')}}`
      : JSON.stringify(value);

const tagsOf = (operation: unknown): string[] => (isRecord(operation) && Array.isArray(operation.tags) ? operation.tags.map(String) : []);

/**
 * One document for the whole API in services mode: the gateway's own operations, plus each
 * upstream's operations on the paths the gateway forwards to it. Components, security schemes
 * and tags are merged by name; the same name with different content, the same operation from
 * two services, or a repeated operationId is a conflict, and the merge fails with all of them.
 */
export const mergeOpenApiDocuments = (
  gateway: OpenApiDocument,
  upstreams: readonly ServiceDocument[],
  options: MergeOptions,
): Result<MergedDocument, MergeConflict[]> => {
  const conflicts: MergeConflict[] = [];
  const unrouted: MergedDocument['unrouted'] = [];
  const paths: Record<string, Record<string, unknown>> = {};
  const operationOwner = new Map<string, string>();
  const operationIdOwner = new Map<string, string>();
  const components: Record<string, Record<string, unknown>> = {};
  const componentOwner = new Map<string, string>();
  const tags = new Map<string, { name: string; description?: string }>();

  const addOperations = (service: string, document: OpenApiDocument) => {
    for (const [path, pathItem] of Object.entries(document.paths ?? {})) {
      const routed = service === GATEWAY || options.routeOf(path) === service;
      for (const [key, operation] of Object.entries(pathItem)) {
        if (!HTTP_METHODS.has(key)) {
          // Path-level parameters, summary, servers: kept with the path when it is routed here.
          if (routed) paths[path] = { ...paths[path], [key]: operation };
          continue;
        }
        if (service !== GATEWAY && tagsOf(operation).includes(INSTANCE_TAG)) continue;
        if (!routed) {
          if (!unrouted.some((u) => u.service === service && u.path === path)) unrouted.push({ service, path });
          continue;
        }
        const operationKey = `${key.toUpperCase()} ${path}`;
        const owner = operationOwner.get(operationKey);
        if (owner) {
          conflicts.push({ kind: 'operation', method: key.toUpperCase(), path, services: [owner, service] });
          continue;
        }
        operationOwner.set(operationKey, service);
        const operationId = isRecord(operation) && typeof operation.operationId === 'string' ? operation.operationId : undefined;
        if (operationId) {
          const idOwner = operationIdOwner.get(operationId);
          if (idOwner) conflicts.push({ kind: 'operation-id', operationId, services: [idOwner, service] });
          else operationIdOwner.set(operationId, service);
        }
        paths[path] = { ...paths[path], [key]: operation };
      }
    }
  };

  const addComponents = (service: string, document: OpenApiDocument) => {
    for (const [section, entries] of Object.entries(document.components ?? {})) {
      if (!isRecord(entries)) continue;
      const merged = (components[section] ??= {});
      for (const [name, definition] of Object.entries(entries)) {
        const ownerKey = `${section}/${name}`;
        const owner = componentOwner.get(ownerKey);
        if (owner === undefined) {
          merged[name] = definition;
          componentOwner.set(ownerKey, service);
        } else if (canonical(merged[name]) !== canonical(definition)) {
          conflicts.push({ kind: 'component', section, name, services: [owner, service] });
        }
      }
    }
  };

  for (const { service, document } of [{ service: GATEWAY, document: gateway }, ...upstreams]) {
    addOperations(service, document);
    addComponents(service, document);
    for (const tag of document.tags ?? []) if (!tags.has(tag.name)) tags.set(tag.name, tag);
  }
  if (conflicts.length > 0) return { ok: false, error: conflicts };

  const used = new Set(Object.values(paths).flatMap((pathItem) => Object.values(pathItem).flatMap(tagsOf)));
  return {
    ok: true,
    value: {
      document: { ...gateway, info: options.info, paths, components, tags: [...tags.values()].filter((t) => used.has(t.name)) },
      unrouted,
    },
  };
};

/** A conflict in words, for logs and problem details. */
export const describeConflict = (conflict: MergeConflict): string => {
  const [first, second] = conflict.services;
  switch (conflict.kind) {
    case 'operation':
      return `${conflict.method} ${conflict.path} is documented by both ${first} and ${second}`;
    case 'operation-id':
      return `operationId "${conflict.operationId}" is used by both ${first} and ${second}`;
    case 'component':
      return `components.${conflict.section}.${conflict.name} differs between ${first} and ${second}`;
  }
};
