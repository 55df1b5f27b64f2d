import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import type { UnitOfWork } from '@tss/messaging';
import { answeredConditionally, CONDITIONAL_READ_RESPONSES, ConditionalReadHeaders, conditionsOf, failureResponses, scopeOf, sendFailure, type Clock, namedPlugin } from '@tss/service-kit';
import { etagOfPolicy } from '../domain/policy-etag';
import { validatePolicy, type PolicyProblem } from '../domain/policy-validation';
import { previewStartProblem } from '../domain/preview-start';
import { exactScheduleFor, scheduleFor, type CountedSchedule, type SlaPolicy } from '../domain/sla-policy';
import { policyStore } from '../store/policy.store';
import { unknownPartner } from '../use-cases/known-partner';
import { removeAgreement } from '../use-cases/remove-agreement';
import { storeAgreementVersion, storePolicyVersion } from '../use-cases/store-policy-version';
import { ADMIN, agreementReadRefused, foreignPartnerIsNotFound, READ_AGREEMENT } from './policy-access';
import { policyHistoryRoutes } from './policy-history.routes';
import { toPolicyVersionView as toView } from './policy-version.view';
import { IfMatchHeaders, PartnerParams, PolicyHistoryEntryView, PolicyVersionView, PreviewBody, PreviewView, SlaPolicyBody } from './policy.schemas';

export interface PolicyRouteDeps {
  dataSource: DataSource;
  unitOfWork: UnitOfWork;
  clock: Clock;
}

/** The policy as stored: only the fields a policy has, in a fixed order (the body schema refused any other). */
const normalized = (body: SlaPolicyBody): SlaPolicy => ({
  levels: body.levels,
  warningAt: body.warningAt,
  overdueAt: body.overdueAt,
  ...(body.calendar ? { calendar: body.calendar } : {}),
});

/** A policy the schema let through but the rules refuse: 400 naming each field, as schema validation does. */
const sendInvalid = (reply: FastifyReply, problems: readonly PolicyProblem[], under = '') =>
  sendFailure(reply, {
    kind: 'validation',
    detail: problems.map((p) => `${under}${p.pointer} ${p.message}`).join('; '),
    extensions: { errors: problems.map((p) => ({ in: 'body', pointer: `${under}${p.pointer}`, message: p.message })) },
  });

/** GET/PUT /v1/sla/policies, GET/PUT/DELETE /v1/partners/{id}/sla-policy, POST /v1/sla/preview, and the versions (issue #10). */
export const policyRoutes = (deps: PolicyRouteDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(PolicyVersionView);
  app.addSchema(PolicyHistoryEntryView);
  const VersionRef = { $ref: 'SlaPolicyVersion#' } as const;
  // Its versions, one by one and listed (in a child scope: it sees the schemas added here).
  await app.register(namedPlugin('policyHistoryRoutes', policyHistoryRoutes(deps)));

  const write = async (scope: string, body: SlaPolicyBody, change: { staffId: string; ifMatch?: string; ifNoneMatch?: string }, reply: FastifyReply) => {
    const valid = validatePolicy(normalized(body), { scope: scope === 'default' ? 'default' : 'agreement' });
    if (!valid.ok) return sendInvalid(reply, valid.error);
    const policyChange = {
      by: change.staffId,
      at: deps.clock.now(),
      ...(change.ifMatch !== undefined ? { ifMatch: change.ifMatch } : {}),
      ...(change.ifNoneMatch !== undefined ? { ifNoneMatch: change.ifNoneMatch } : {}),
    };
    const stored = await deps.unitOfWork.run((tx) =>
      scope === 'default' ? storePolicyVersion(tx, scope, valid.value, policyChange) : storeAgreementVersion(tx, scope, valid.value, policyChange),
    );
    if (!stored.ok) return sendFailure(reply, stored.error);
    return reply.code(200).header('etag', etagOfPolicy(stored.value)).send(toView(stored.value));
  };
  const PUT_DESCRIPTION =
    'Send `If-Match` with the ETag of the terms as read (GET) to refuse (412) a PUT over someone else’s change; without it the PUT stores whatever is in force. ' +
    '`If-None-Match` naming the terms in force, or `*` (there are always terms in force), is a 412 too (RFC 9110 §13.1.2).';

  app.get(
    '/v1/sla/policies',
    {
      schema: {
        tags: ['sla'],
        operationId: 'getDefaultSlaPolicy',
        summary: 'The default SLA policy in force, for partners without an agreement (admin), with its version (the ETag)',
        headers: ConditionalReadHeaders,
        response: { 200: VersionRef, ...CONDITIONAL_READ_RESPONSES },
      },
      config: { access: ADMIN },
    },
    async (request, reply) => {
      const current = await policyStore.latestDefault(deps.dataSource.manager);
      if (answeredConditionally(request, reply, etagOfPolicy(current))) return reply;
      return reply.send(toView(current));
    },
  );

  app.put(
    '/v1/sla/policies',
    {
      schema: {
        tags: ['sla'],
        operationId: 'putDefaultSlaPolicy',
        summary: 'Store a new version of the default SLA policy (admin); running clocks keep theirs',
        description: PUT_DESCRIPTION,
        headers: IfMatchHeaders,
        body: SlaPolicyBody,
        response: { 200: VersionRef, ...failureResponses('bad_request', 'precondition_failed') },
      },
      // If-Match and If-None-Match are compared with the terms in force, under the scope's lock.
      config: { access: ADMIN, preconditions: 'route' },
    },
    async (request, reply) => write('default', request.body, { staffId: scopeOf(request, 'staff').staffId, ...conditionsOf(request) }, reply),
  );

  app.get(
    '/v1/partners/:id/sla-policy',
    {
      schema: {
        tags: ['sla'],
        operationId: 'getPartnerSlaPolicy',
        summary: "A partner's SLA terms in force: its agreement, else the default (scope says which); a partner reads its own",
        description: 'Another partner’s id, and (for staff) a partner the gateway never registered, are a 404.',
        params: PartnerParams,
        headers: ConditionalReadHeaders,
        response: { 200: VersionRef, ...CONDITIONAL_READ_RESPONSES, ...failureResponses('not_found') },
      },
      config: { access: READ_AGREEMENT },
    },
    async (request, reply) => {
      const manager = deps.dataSource.manager;
      // Tenancy: another partner's agreement is a 404, exactly like a partner unknown here.
      const refused = await agreementReadRefused(manager, scopeOf(request, 'staff', 'partner'), request.params.id);
      if (refused) return sendFailure(reply, refused);
      const current = (await policyStore.latest(manager, request.params.id)) ?? (await policyStore.latestDefault(manager));
      if (answeredConditionally(request, reply, etagOfPolicy(current))) return reply;
      return reply.send(toView(current));
    },
  );

  app.put(
    '/v1/partners/:id/sla-policy',
    {
      schema: {
        tags: ['sla'],
        operationId: 'putPartnerSlaPolicy',
        summary: "Store a new version of a partner's agreement (admin); it overrides the default for clocks started from now on",
        description: `${PUT_DESCRIPTION} The partner must be one the gateway registered and has not deactivated: another id is a 422 naming \`/id\` (one registered a moment ago is known within seconds; one that stays unknown, its announcement missed, is announced again by an admin's \`PATCH /v1/partners/{id}\` with its current name).`,
        params: PartnerParams,
        headers: IfMatchHeaders,
        body: SlaPolicyBody,
        response: { 200: VersionRef, ...failureResponses('bad_request', 'not_found', 'precondition_failed', 'unprocessable') },
      },
      config: { access: ADMIN, preconditions: 'route' },
      preParsing: foreignPartnerIsNotFound,
    },
    async (request, reply) => write(request.params.id, request.body, { staffId: scopeOf(request, 'staff').staffId, ...conditionsOf(request) }, reply),
  );

  app.delete(
    '/v1/partners/:id/sla-policy',
    {
      schema: {
        tags: ['sla'],
        operationId: 'deletePartnerSlaPolicy',
        summary: "Drop a partner's agreement (admin): clocks started from now on run on the default; running clocks keep their version",
        description:
          'Recorded as the agreement’s next version, `removed: true` in its history (`GET /v1/partners/{id}/sla-policy/versions`); a later PUT stores the version after it. Answers 204 with the ETag of the terms now in force, the default’s. A 404 when the partner has no agreement. Send `If-Match` with the ETag of the agreement as read to refuse (412) dropping terms changed since; `If-None-Match` naming the agreement, or `*`, is a 412 too.',
        params: PartnerParams,
        headers: IfMatchHeaders,
        response: { 204: Type.Null({ description: 'Dropped; the partner’s terms are the default’s (the ETag header names them)' }), ...failureResponses('not_found', 'precondition_failed') },
      },
      config: { access: ADMIN, preconditions: 'route' },
      preParsing: foreignPartnerIsNotFound,
    },
    async (request, reply) => {
      const { ifMatch, ifNoneMatch } = conditionsOf(request);
      const change = {
        by: scopeOf(request, 'staff').staffId,
        at: deps.clock.now(),
        ...(ifMatch !== undefined ? { ifMatch } : {}),
        ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
      };
      const inForce = await deps.unitOfWork.run((tx) => removeAgreement(tx, request.params.id, change));
      if (!inForce.ok) return sendFailure(reply, inForce.error);
      return reply.code(204).header('etag', etagOfPolicy(inForce.value)).send(null);
    },
  );

  app.post(
    '/v1/sla/preview',
    {
      schema: {
        tags: ['sla'],
        operationId: 'previewSlaSchedule',
        summary: 'When a response owed from a given instant would be due, warned and overdue, under a policy or a partner’s terms (admin)',
        body: PreviewBody,
        response: { 200: PreviewView, ...failureResponses('bad_request', 'unprocessable') },
      },
      config: { access: ADMIN },
    },
    async (request, reply) => {
      const { level, startedAt, policy, partnerId } = request.body;
      const start = new Date(startedAt);
      // A leap second passes the date-time format but is no instant here.
      if (Number.isNaN(start.getTime())) return sendFailure(reply, { kind: 'validation', detail: 'startedAt is not an instant.', extensions: { errors: [{ in: 'body', pointer: '/startedAt', message: 'must be an instant' }] } });
      // Year 9999 would answer "+010000-…", which no RFC 3339 reader takes (docs/adr/0031, addendum of 2026-12-05).
      const outOfBounds = previewStartProblem(start);
      if (outOfBounds) return sendFailure(reply, { kind: 'validation', detail: `startedAt ${outOfBounds}.`, extensions: { errors: [{ in: 'body', pointer: '/startedAt', message: outOfBounds }] } });
      if (policy && partnerId) {
        return sendFailure(reply, { kind: 'validation', detail: 'Give a policy or a partnerId, not both.', extensions: { errors: [{ in: 'body', pointer: '/partnerId', message: 'not allowed with policy' }] } });
      }
      let used: { policy: SlaPolicy; basedOn: { scope: string; version: number } | null };
      let schedule: CountedSchedule;
      if (policy) {
        const valid = validatePolicy(normalized(policy));
        if (!valid.ok) return sendInvalid(reply, valid.error, '/policy');
        // Validation leaves a margin for any start; a start whose own calendar dates still fall short is refused the same way.
        const exact = exactScheduleFor(valid.value, level, start);
        if (!exact.ok) {
          return sendInvalid(reply, [{ pointer: `/levels/${level}/targetMs`, message: `level ${level}: the calendar does not open ${Math.ceil(exact.error.neededMs / 60_000)} min of business time (the overdue notice) within the calculator's horizon from ${start.toISOString()}` }], '/policy');
        }
        used = { policy: valid.value, basedOn: null };
        schedule = { ...exact.value, calendarFallback: false };
      } else {
        const manager = deps.dataSource.manager;
        const unknown = partnerId ? await unknownPartner(manager, partnerId, { in: 'body', pointer: '/partnerId' }) : undefined;
        if (unknown) return sendFailure(reply, unknown);
        const stored = partnerId ? await policyStore.effectiveFor(manager, partnerId) : await policyStore.latestDefault(manager);
        used = { policy: stored.policy, basedOn: { scope: stored.scope, version: stored.version } };
        // Stored terms are previewed as a clock would run on them, a set-aside calendar included (docs/adr/0031).
        schedule = scheduleFor(used.policy, level, start);
      }
      return {
        level,
        startedAt: start.toISOString(),
        // As a clock would show it: the terms' target, or the rules' maximum where that decides the due time (P5).
        targetMs: schedule.targetMs,
        dueBy: schedule.dueBy,
        dueAt: schedule.dueAt.toISOString(),
        warnings: schedule.warnings.map((w) => ({ threshold: w.threshold, at: w.at.toISOString() })),
        overdueAt: schedule.overdueAt.toISOString(),
        phoneSupport: used.policy.levels[level].phoneSupport,
        basedOn: used.basedOn,
        ...(schedule.calendarFallback ? { calendarFallback: true as const } : {}),
      };
    },
  );
};
