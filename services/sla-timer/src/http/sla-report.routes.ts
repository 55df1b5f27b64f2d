import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import { Product, ServiceLevel } from '@tss/contracts';
import { failureResponses, negotiateMediaType, sendFailure, type AccessRule, type Clock } from '@tss/service-kit';
import { reportCsv, reportRows } from '../domain/sla-report';
import { slaReportStore } from '../store/sla-report.store';

const Figure = Type.Union([Type.Integer(), Type.Null()]);
const ReportRowView = Type.Object({
  level: ServiceLevel,
  owed: Type.Integer({ description: 'Responses owed: clocks started in the period. met + breached + cancelled + open = owed: each clock counts in exactly one of them.' }),
  met: Type.Integer({ description: 'Answered before the due time (P5).' }),
  breached: Type.Integer({
    description: 'The due time passed with no response, whatever happened after: still unanswered, answered late, or no response owed any more (resolved, closed, a wait on the requester) after the breach.',
  }),
  cancelled: Type.Integer({ description: 'No response owed any more before the due time (P10 wait on the requester, resolution, closure, feature request).' }),
  open: Type.Integer({ description: 'Still running and not yet breached: owed, not due yet. A breached clock still unanswered is counted in `breached`, not here.' }),
  compliancePercent: Type.Union([Type.Number(), Type.Null()], { description: 'met / (met + breached), percent.' }),
  medianResponseMs: Type.Union([Type.Integer(), Type.Null()], {
    description: 'Of the answered clocks: start to response in wall-clock time (as the requester waited), even on a business-hours calendar.',
  }),
  p90ResponseMs: Type.Union([Type.Integer(), Type.Null()], { description: 'As medianResponseMs, the 90th percentile.' }),
  resolved: Type.Integer({ description: 'Tickets resolved in the period (P5: resolution time is measured, never breached).' }),
  medianResolutionMs: Figure,
  p90ResolutionMs: Figure,
});
const SlaReport = Type.Object(
  { from: Type.String({ format: 'date-time' }), to: Type.String({ format: 'date-time' }), levels: Type.Array(ReportRowView) },
  { $id: 'SlaReport' },
);

const REPORTS: AccessRule = { kinds: ['staff'], scopes: ['reports:read', 'admin'] };
const DAY_MS = 86_400_000;

export const slaReportRoutes = (deps: { dataSource: DataSource; clock: Clock }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/reports/sla',
    {
      schema: {
        tags: ['sla'],
        operationId: 'getSlaReport',
        summary: 'SLA compliance per level: responses owed, met, breached, median and p90 response times (P5); CSV with Accept: text/csv',
        description:
          'Per level, the response clocks started in [from, to), a breached clock under the level that missed it (its `breachedLevel`; a later reclassification or referral does not move it). The outcome columns split `owed`, each clock counted once by where it stands: `met` (answered in time), `breached` (due time passed with no response, whatever happened after), `cancelled` (no response owed any more before the due time) and `open` (running, not yet breached); met + breached + cancelled + open = owed. The CSV has the same columns.',
        // A filter not applied must not answer everything: an unknown parameter is a 400 naming it, as on GET /v1/tickets.
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ format: 'date-time', description: 'Clocks started at or after it; default 30 days before `to`.' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'Clocks started before it; default now.' })),
            level: Type.Optional(ServiceLevel),
            partner: Type.Optional(Type.String({ format: 'uuid' })),
            product: Type.Optional(Product),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Unsafe<unknown>({
            description: 'The report',
            content: { 'application/json': { schema: SlaReport }, 'text/csv': { schema: { type: 'string' } } },
          }),
          ...failureResponses('bad_request'),
        },
      },
      config: { access: REPORTS },
    },
    async (request, reply) => {
      const to = request.query.to ? new Date(request.query.to) : deps.clock.now();
      const from = request.query.from ? new Date(request.query.from) : new Date(to.getTime() - 30 * DAY_MS);
      // RFC 3339 admits a leap second (23:59:60) that JavaScript dates cannot hold: a 400, never a 500.
      for (const [name, value] of [['to', to], ['from', from]] as const) {
        if (Number.isNaN(value.getTime())) {
          return sendFailure(reply, { kind: 'validation', detail: `${name}: not an instant this API can compare`, extensions: { errors: [{ in: 'querystring', pointer: `/${name}`, message: 'not an instant this API can compare' }] } });
        }
      }
      if (from.getTime() >= to.getTime()) {
        return sendFailure(reply, { kind: 'validation', detail: '`from` must be before `to`.', extensions: { errors: [{ in: 'querystring', pointer: '/from', message: 'must be before `to`' }] } });
      }
      const figures = await slaReportStore.figures(deps.dataSource.manager, {
        from,
        to,
        ...(request.query.level ? { level: request.query.level } : {}),
        ...(request.query.partner ? { partnerId: request.query.partner } : {}),
        ...(request.query.product ? { product: request.query.product } : {}),
      });
      const rows = reportRows(figures);
      if (negotiateMediaType(request, reply, ['application/json', 'text/csv']) === 'text/csv') {
        return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="sla-report.csv"').send(reportCsv(rows));
      }
      return reply.type('application/json').send({ from: from.toISOString(), to: to.toISOString(), levels: rows });
    },
  );
};
