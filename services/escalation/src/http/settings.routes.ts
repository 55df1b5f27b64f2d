import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { UnitOfWork } from '@tss/messaging';
import { answeredConditionally, CONDITIONAL_READ_RESPONSES, ConditionalReadHeaders, conditionsOf, failureResponses, scopeOf, sendFailure, type AccessRule, type Clock } from '@tss/service-kit';
import { etagOfVersion } from '../domain/document-version';
import type { EscalationRule } from '../domain/escalation-rules';
import type { Roster } from '../domain/roster';
import type { Versioned } from '../store/settings.store';
import { settingsStore } from '../store/settings.store';
import { staffProjection } from '../store/projection.store';
import { onDutyNow } from '../use-cases/on-duty';
import { replaceRoster, replaceRules } from '../use-cases/manage-settings';
import { IfMatchHeaders, OnDutyQuery, OnDutyView, PutRosterBody, PutRulesBody, RosterView, RULES_EXAMPLE, RulesView } from './escalation.schemas';
import { READ } from './escalation.routes';

const MANAGE: AccessRule = { kinds: ['staff'], scopes: ['escalations:manage'] };
const TAGS = ['tickets'];

const rulesView = (r: Versioned<EscalationRule[]>) => ({ version: r.version, rules: r.value, changedBy: r.changedBy, changedAt: r.changedAt?.toISOString() ?? null });
const rosterView = (r: Versioned<Roster>) => ({
  version: r.version,
  shifts: r.value.shifts,
  overrides: r.value.overrides.map((o) => ({ ...o, from: o.from.toISOString(), to: o.to.toISOString() })),
  changedBy: r.changedBy,
  changedAt: r.changedAt?.toISOString() ?? null,
});

export interface SettingsRouteDeps {
  unitOfWork: UnitOfWork;
  clock: Clock;
}

/** /v1/escalation/rules and /v1/escalation/roster (issue #12): versioned documents; a PUT replaces the whole. */
export const settingsRoutes = (deps: SettingsRouteDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/v1/escalation/rules',
    {
      schema: {
        tags: TAGS,
        operationId: 'getEscalationRules',
        summary: 'The escalation rules in force, with their version (the ETag)',
        headers: ConditionalReadHeaders,
        response: { 200: { ...RulesView, examples: [RULES_EXAMPLE] }, ...CONDITIONAL_READ_RESPONSES },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const rules = await deps.unitOfWork.run((tx) => settingsStore.rules(tx));
      if (answeredConditionally(request, reply, etagOfVersion(rules.version))) return reply;
      return reply.send(rulesView(rules));
    },
  );

  app.put(
    '/v1/escalation/rules',
    {
      schema: {
        tags: TAGS,
        operationId: 'putEscalationRules',
        summary: 'Replace the rule set (a new version); an invalid set is a 400 naming each rule at fault, and the rules in force stay',
        description: 'Send `If-Match` with the ETag of the rules as read to refuse (412) a PUT over someone else’s change; `If-None-Match` naming the version in force, or `*`, is a 412 too.',
        headers: IfMatchHeaders,
        body: PutRulesBody,
        response: { 200: RulesView, ...failureResponses('bad_request', 'precondition_failed') },
      },
      // If-Match and If-None-Match are compared with the version in force, under the document's lock.
      config: { access: MANAGE, preconditions: 'route' },
    },
    async (request, reply) => {
      const { staffId } = scopeOf(request, 'staff');
      const change = { by: staffId, at: deps.clock.now(), ...conditionsOf(request) };
      const result = await deps.unitOfWork.run((tx) => replaceRules(tx, request.body.rules, change));
      return result.ok ? reply.header('etag', etagOfVersion(result.value.version)).send(rulesView(result.value)) : sendFailure(reply, result.error);
    },
  );

  app.get(
    '/v1/escalation/roster',
    {
      schema: {
        tags: TAGS,
        operationId: 'getEscalationRoster',
        summary: 'The on-duty roster: weekly shifts per time zone, and dated overrides, with its version (the ETag)',
        headers: ConditionalReadHeaders,
        response: { 200: RosterView, ...CONDITIONAL_READ_RESPONSES },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const roster = await deps.unitOfWork.run((tx) => settingsStore.roster(tx));
      if (answeredConditionally(request, reply, etagOfVersion(roster.version))) return reply;
      return reply.send(rosterView(roster));
    },
  );

  app.put(
    '/v1/escalation/roster',
    {
      schema: {
        tags: TAGS,
        operationId: 'putEscalationRoster',
        summary: 'Replace the roster (a new version); unknown zones or staff are a 400',
        description: 'Send `If-Match` with the ETag of the roster as read to refuse (412) a PUT over someone else’s change; `If-None-Match` naming the version in force, or `*`, is a 412 too.',
        headers: IfMatchHeaders,
        body: PutRosterBody,
        response: { 200: RosterView, ...failureResponses('bad_request', 'precondition_failed') },
      },
      // If-Match and If-None-Match are compared with the version in force, under the document's lock.
      config: { access: MANAGE, preconditions: 'route' },
    },
    async (request, reply) => {
      const { staffId } = scopeOf(request, 'staff');
      const roster: Roster = {
        shifts: request.body.shifts.map((s) => ({ ...s, weekdays: s.weekdays as Roster['shifts'][number]['weekdays'] })),
        overrides: (request.body.overrides ?? []).map((o) => ({ ...o, from: new Date(o.from), to: new Date(o.to) })),
      };
      const change = { by: staffId, at: deps.clock.now(), ...conditionsOf(request) };
      const result = await deps.unitOfWork.run((tx) => replaceRoster(tx, roster, change));
      if (!result.ok) return sendFailure(reply, result.error);
      const { roster: written, notes } = result.value;
      return reply.header('etag', etagOfVersion(written.version)).send({ ...rosterView(written), ...(notes.length > 0 ? { notes } : {}) });
    },
  );

  app.get(
    '/v1/escalation/roster/on-duty',
    {
      schema: {
        tags: TAGS,
        operationId: 'getOnDuty',
        summary: 'Who is on duty at an instant (default now), per role',
        querystring: OnDutyQuery,
        response: { 200: OnDutyView, ...failureResponses('bad_request') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const at = request.query.at ? new Date(request.query.at) : deps.clock.now();
      // RFC 3339 (and so the schema's date-time) admits a leap second, 23:59:60, that Date cannot hold.
      if (Number.isNaN(at.getTime())) {
        return sendFailure(reply, {
          kind: 'validation',
          detail: 'at: not an instant this service can represent (a leap second?)',
          extensions: { errors: [{ in: 'querystring', pointer: '/at', message: 'must be an instant this service can represent' }] },
        });
      }
      const onDuty = await deps.unitOfWork.run(async (tx) => {
        const duty = await onDutyNow(tx, at, request.query.role);
        const staff = await staffProjection.byIds(tx, duty.map((d) => d.staffId));
        return duty.map((d) => ({ ...d, displayName: staff.get(d.staffId)?.displayName ?? null }));
      });
      return { at: at.toISOString(), onDuty };
    },
  );
};
