import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { DataSource } from 'typeorm';
import { failureResponses, scopeOf, sendFailure, type CursorHolder } from '@tss/service-kit';
import { decodePolicyHistoryCursor, encodePolicyHistoryCursor } from '../domain/policy-history-cursor';
import { policyStore } from '../store/policy.store';
import { ADMIN, agreementReadRefused, READ_AGREEMENT } from './policy-access';
import { PartnerParams, PartnerVersionParams, PolicyHistoryPage, PolicyHistoryQuery, VersionParams } from './policy.schemas';
import { toPolicyHistoryEntryView } from './policy-version.view';

const EntryRef = { $ref: 'SlaPolicyHistoryEntry#' } as const;

/**
 * Issue #10: every change is versioned, and a clock keeps the version it started under. These
 * read the versions, so the `{scope, version}` a clock shows (`GET /v1/tickets/{id}/sla`)
 * resolves to its terms (docs/adr/0031, addendum of 2026-12-04, fourth session). Registered by
 * `policyRoutes`, in whose scope the `SlaPolicyHistoryEntry` schema is.
 */
export const policyHistoryRoutes = (deps: { dataSource: DataSource }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  /** One page of `scope`'s versions, newest first, as `reader` reads it; a cursor of another listing or reader, or altered, is a 400. */
  const listVersions = async (reply: FastifyReply, reader: CursorHolder, scope: string, query: PolicyHistoryQuery) => {
    const before = query.cursor === undefined ? undefined : decodePolicyHistoryCursor(query.cursor, reader, scope);
    if (before && !before.ok) return sendFailure(reply, before.error);
    const rows = await policyStore.history(deps.dataSource.manager, scope, { ...(before ? { before: before.value } : {}), limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { items: page.map(toPolicyHistoryEntryView), ...(rows.length > query.limit && last ? { nextCursor: encodePolicyHistoryCursor(reader, scope, last.version) } : {}) };
  };

  /** One version of `scope` (terms, or the removal of an agreement), or a 404 naming it. */
  const oneVersion = async (reply: FastifyReply, scope: string, version: number) => {
    const found = await policyStore.entry(deps.dataSource.manager, scope, version);
    if (!found) return sendFailure(reply, { kind: 'not_found', detail: `No version ${version} of ${scope === 'default' ? 'the default policy' : 'this partner’s agreement'}.` });
    return toPolicyHistoryEntryView(found);
  };

  app.get(
    '/v1/sla/policies/versions',
    {
      schema: {
        tags: ['sla'],
        operationId: 'listDefaultSlaPolicyVersions',
        summary: 'Every version of the default SLA policy, newest first, a page at a time (admin)',
        querystring: PolicyHistoryQuery,
        response: { 200: PolicyHistoryPage, ...failureResponses('bad_request') },
      },
      config: { access: ADMIN },
    },
    async (request, reply) => listVersions(reply, scopeOf(request, 'staff'), 'default', request.query),
  );

  app.get(
    '/v1/sla/policies/versions/:version',
    {
      schema: {
        tags: ['sla'],
        operationId: 'getDefaultSlaPolicyVersion',
        summary: 'One version of the default SLA policy: the terms a clock naming `{scope: default, version}` runs under',
        description:
          'Read by whoever reads clocks (staff with `tickets:read`, partners; not requesters): a clock of a partner without an agreement names a default version. Listing them all is for admins.',
        params: VersionParams,
        response: { 200: EntryRef, ...failureResponses('not_found') },
      },
      config: { access: READ_AGREEMENT },
    },
    async (request, reply) => oneVersion(reply, 'default', request.params.version),
  );

  app.get(
    '/v1/partners/:id/sla-policy/versions',
    {
      schema: {
        tags: ['sla'],
        operationId: 'listPartnerSlaPolicyVersions',
        summary: "Every version of a partner's agreement, newest first, a page at a time; a partner reads its own",
        description: 'Empty for a partner that never had an agreement (its terms are the default’s). Another partner’s id, and (for staff) a partner the gateway never registered, are a 404.',
        params: PartnerParams,
        querystring: PolicyHistoryQuery,
        response: { 200: PolicyHistoryPage, ...failureResponses('bad_request', 'not_found') },
      },
      config: { access: READ_AGREEMENT },
    },
    async (request, reply) => {
      const reader = scopeOf(request, 'staff', 'partner');
      const refused = await agreementReadRefused(deps.dataSource.manager, reader, request.params.id);
      if (refused) return sendFailure(reply, refused);
      return listVersions(reply, reader, request.params.id, request.query);
    },
  );

  app.get(
    '/v1/partners/:id/sla-policy/versions/:version',
    {
      schema: {
        tags: ['sla'],
        operationId: 'getPartnerSlaPolicyVersion',
        summary: "One version of a partner's agreement: the terms a clock naming `{scope: <partnerId>, version}` runs under; a partner reads its own",
        params: PartnerVersionParams,
        response: { 200: EntryRef, ...failureResponses('not_found') },
      },
      config: { access: READ_AGREEMENT },
    },
    async (request, reply) => {
      const refused = await agreementReadRefused(deps.dataSource.manager, scopeOf(request, 'staff', 'partner'), request.params.id);
      if (refused) return sendFailure(reply, refused);
      return oneVersion(reply, request.params.id, request.params.version);
    },
  );
};
