import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import { Product, StringEnum } from '@tss/contracts';
import { failureResponses, negotiateMediaType, sendFailure, type AccessRule, type Clock } from '@tss/service-kit';
import { QualityGroupings, qualityCsv, qualityRow, type QualityGrouping } from '../domain/quality-report';
import { qualityReportStore } from '../store/quality-report.store';

const Percent = Type.Union([Type.Number(), Type.Null()]);
const QualityRowView = Type.Object({
  key: Type.Union([Type.String(), Type.Null()], { description: 'The agent id, level, product or partner id; null: none (unassigned, no product)' }),
  ratings: Type.Integer({ description: 'Ratings submitted in the period' }),
  csatPercent: Type.Union([Type.Number(), Type.Null()], { description: 'CSAT: ratings of 4 or 5, percent of the ratings' }),
  averageScore: Type.Union([Type.Number(), Type.Null()]),
  notSolved: Type.Integer({ description: 'Ratings answering "not solved"' }),
  responses: Type.Integer({ description: "Agents' public responses in the period (under groupBy=agent, counted for who gave them)" }),
  surveys: Type.Integer({ description: 'Resolutions in the period (each sent a survey)' }),
  reopened: Type.Integer({ description: 'Of those resolutions, how many were reopened since' }),
  reopenRatePercent: Percent,
  slaMet: Type.Integer(),
  slaBreached: Type.Integer(),
  slaCompliancePercent: Type.Union([Type.Number(), Type.Null()], { description: 'met / (met + breached), percent (P5)' }),
});
const QualityReport = Type.Object(
  {
    from: Type.String({ format: 'date-time' }),
    to: Type.String({ format: 'date-time' }),
    groupBy: StringEnum<QualityGrouping>(QualityGroupings),
    groups: Type.Array(QualityRowView),
    total: QualityRowView,
  },
  { $id: 'QualityReport' },
);

const REPORTS: AccessRule = { kinds: ['staff'], scopes: ['reports:read', 'admin'] };
const DAY_MS = 86_400_000;

/** `GET /v1/reports/quality` (issue #13): CSAT, scores, responses, reopen rate and SLA compliance per group. */
export const qualityReportRoutes = (deps: { dataSource: DataSource; clock: Clock }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/reports/quality',
    {
      schema: {
        tags: ['tickets'],
        operationId: 'getQualityReport',
        summary: 'Quality per agent, level, product or partner: CSAT, average score, ratings, responses, reopen rate, SLA compliance; CSV with Accept: text/csv',
        description: 'JSON: one entry of `groups` per group and the `total`. CSV: a header line (the grouping, then the columns), one line per group, and a last line whose first cell is `(total)`: the total.',
        // A filter not applied must not answer everything: an unknown parameter is a 400 naming it, as on GET /v1/tickets.
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ format: 'date-time', description: 'Facts at or after it; default 30 days before `to`' })),
            to: Type.Optional(Type.String({ format: 'date-time', description: 'Facts before it; default now (inclusive)' })),
            groupBy: StringEnum<QualityGrouping>(QualityGroupings, { default: 'agent' }),
            partner: Type.Optional(Type.String({ format: 'uuid', description: "Only this partner's tickets" })),
            product: Type.Optional(Product),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Unsafe<unknown>({
            description: 'The report',
            content: { 'application/json': { schema: QualityReport }, 'text/csv': { schema: { type: 'string' } } },
          }),
          ...failureResponses('bad_request'),
        },
      },
      config: { access: REPORTS },
    },
    async (request, reply) => {
      const now = deps.clock.now();
      const to = request.query.to ? new Date(request.query.to) : now;
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
      const groupBy = request.query.groupBy;
      // Without `to`, the period runs up to and including now.
      const end = request.query.to ? to : new Date(now.getTime() + 1);
      const figures = await qualityReportStore.figures(deps.dataSource.manager, {
        from,
        to: end,
        groupBy,
        ...(request.query.partner ? { partnerId: request.query.partner } : {}),
        ...(request.query.product ? { product: request.query.product } : {}),
      });
      const groups = figures.groups.map((g) => qualityRow(g.key, g.counts));
      const total = qualityRow(null, figures.total);
      if (negotiateMediaType(request, reply, ['application/json', 'text/csv']) === 'text/csv') {
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="quality-report-${groupBy}.csv"`).send(qualityCsv(groupBy, groups, total));
      }
      return reply.type('application/json').send({ from: from.toISOString(), to: to.toISOString(), groupBy, groups, total });
    },
  );
};
