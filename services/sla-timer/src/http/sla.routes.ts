import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DataSource } from 'typeorm';
import { ServiceLevel, ServiceLevels, StringEnum } from '@tss/contracts';
import { inSnapshot } from '@tss/persistence';
import { err, failureResponses, ok, requesterOf, scopeOf, sendFailure, type AccessRule, type Clock, type Failure } from '@tss/service-kit';
import { clockTimeOf, elapsedMsOf, remainingMsOf, type ClockTime } from '../domain/response-clock';
import type { SlaPolicy } from '../domain/sla-policy';
import { resolutionMs } from '../domain/ticket-clocks';
import { policyStore } from '../store/policy.store';
import { responseClockStore, type StoredClock } from '../store/response-clock.store';
import { slaTicketStore } from '../store/sla-ticket.store';
import { clockedTicketId } from '../use-cases/find-clocked-ticket';

const ClockView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  level: ServiceLevel,
  status: StringEnum(['running', 'met', 'breached', 'cancelled'] as const),
  open: Type.Boolean({ description: 'A response is still owed on this clock.' }),
  owedBy: StringEnum(['support', 'development'] as const),
  startedBy: StringEnum(['created', 'requester_message', 'reopened', 'referral', 'returned_to_support'] as const, {
    description:
      'What made the response owed: `returned_to_support` is a feature request, or a referred ticket whose development clock started at the referral, handed back to support (that development clock ends with stopReason `returned_to_support`)',
  }),
  startedAt: Type.String({ format: 'date-time' }),
  dueAt: Type.String({ format: 'date-time' }),
  targetMs: Type.Integer({
    description:
      'The response time the due time keeps: the level’s target under the clock’s policy version, or the rules’ maximum for the level (calendar time) when that target, counted on the policy’s calendar, would fall due later (P5: a clock is never due later than the rules’ maximum).',
  }),
  elapsedMs: Type.Integer({
    description: 'From the start to the end of the clock, or to now while it is open, in the time the target counts: business time on a policy calendar, else calendar time.',
  }),
  remainingMs: Type.Optional(Type.Integer({ description: 'The target less elapsedMs (in the same time), while open; negative once past the due time.' })),
  policy: Type.Object(
    { scope: Type.String(), version: Type.Integer() },
    {
      description:
        'The policy version the clock runs under, kept for its life: its terms are `GET /v1/sla/policies/versions/{version}` for scope `default`, else `GET /v1/partners/{scope}/sla-policy/versions/{version}`.',
    },
  ),
  warningsPublished: Type.Array(Type.Number(), { description: 'Thresholds (fractions of the target) whose sla.warning was published.' }),
  warningsSkipped: Type.Array(Type.Number(), {
    description:
      'Thresholds passed over and never published: when they came up (after a downtime, a backlog or a re-target) a higher warning was published or past already, or the breach was. Only the highest warning already past fires, and none once the breach is past.',
  }),
  breachedAt: Type.Optional(
    Type.String({ format: 'date-time', description: 'When the breach happened (the due time then, as sla.breached said); a later re-target does not move it.' }),
  ),
  breachedLevel: Type.Optional(
    StringEnum(ServiceLevels, {
      description: 'The level the clock had when its breach happened: the level that missed it, and the one the SLA report counts the clock under; a later re-target does not change it.',
    }),
  ),
  stoppedAt: Type.Optional(Type.String({ format: 'date-time' })),
  stopReason: Type.Optional(Type.String()),
  respondedAt: Type.Optional(Type.String({ format: 'date-time' })),
});
const TicketSlaView = Type.Object(
  {
    ticketId: Type.String({ format: 'uuid' }),
    clocks: Type.Array(ClockView),
    resolution: Type.Optional(
      Type.Object({ resolvedAt: Type.String({ format: 'date-time' }), resolutionMs: Type.Integer() }, { description: 'P5: measured and reported, never breached.' }),
    ),
  },
  { $id: 'TicketSla' },
);

/** A ticket named in a path: its id or its reference number (P3), as intake's routes take it. */
const TicketParams = Type.Object({
  id: Type.String({
    minLength: 1,
    maxLength: 64,
    description: 'The ticket id (uuid) or its reference number (TSS-XXXXX-XXXXC, any case, dashes optional)',
    examples: ['3f0c1d5e-8a4b-4c2d-9e6f-1a2b3c4d5e6f', 'TSS-K7QM2-ZC4XD'],
  }),
});

const READ: AccessRule = { kinds: ['partner', 'requester', 'staff'], scopes: ['tickets:read'] };

const toView = ({ clock }: StoredClock, now: Date, time: ClockTime) => {
  const open = clock.stoppedAt === undefined;
  const end = clock.stoppedAt ?? now;
  return {
    id: clock.id,
    level: clock.level,
    status: clock.status,
    open,
    owedBy: clock.owedBy,
    startedBy: clock.startedBy,
    startedAt: clock.startedAt.toISOString(),
    dueAt: clock.dueAt.toISOString(),
    targetMs: clock.targetMs,
    elapsedMs: elapsedMsOf(clock, end, time),
    ...(open ? { remainingMs: remainingMsOf(clock, now, time) } : {}),
    policy: clock.policy,
    warningsPublished: [...clock.warningsPublished],
    warningsSkipped: [...clock.warningsSkipped],
    // When the breach happened (the due time then, as `sla.breached` said), whatever re-target came after.
    ...(clock.status === 'breached' ? { breachedAt: (clock.breachedAt ?? clock.dueAt).toISOString(), breachedLevel: clock.breachedLevel ?? clock.level } : {}),
    ...(clock.stoppedAt ? { stoppedAt: clock.stoppedAt.toISOString() } : {}),
    ...(clock.stopReason ? { stopReason: clock.stopReason } : {}),
    ...(clock.respondedAt ? { respondedAt: clock.respondedAt.toISOString() } : {}),
  };
};

export const slaRoutes = (deps: { dataSource: DataSource; clock: Clock }) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/tickets/:id/sla',
    {
      schema: {
        tags: ['sla'],
        operationId: 'getTicketSla',
        summary: "A ticket's response clocks, open and past, and its resolution time (P5)",
        description: 'By the ticket id or its reference number, as every ticket route (P3).',
        params: TicketParams,
        response: { 200: TicketSlaView, ...failureResponses('invalid_reference', 'unknown_ticket') },
      },
      config: { access: READ },
    },
    async (request, reply) => {
      const scope = scopeOf(request, 'partner', 'requester', 'staff');
      // Tenancy from sla-timer's own projection: clocks carry the partner and requester of their ticket; staff see all.
      const tenant = scope.kind === 'staff' ? {} : { partnerId: scope.partnerId, requesterId: requesterOf(scope) };
      // One snapshot for every read (inSnapshot): a resolution commits its clocks' stop and the
      // ticket's resolution at once, and reads one after the other would show half of it.
      const read = await inSnapshot(deps.dataSource, async (manager) => {
        const ticketId = await clockedTicketId(manager, scope, request.params.id);
        if (!ticketId.ok) return ticketId;
        const rows = await responseClockStore.listForTicket(manager, tenant, ticketId.value);
        // Every ticket gets a clock when sla-timer learns of it (ticket.created): none is a ticket
        // this caller may not see, or one not known here yet. Both are a 404, as in ticket-intake;
        // the gateway tells the second from the first by asking intake (docs/adr/0068).
        if (rows.length === 0) return err({ kind: 'unknown_ticket', detail: 'No clocks for such a ticket.' } satisfies Failure);
        const ticket = await slaTicketStore.find(manager, ticketId.value);
        // Clocks counting business time are measured on their own version's calendar, each version
        // read once, one after the other: the snapshot's reads share one connection.
        const versions = new Map<string, SlaPolicy | undefined>();
        const times: ClockTime[] = [];
        for (const { clock } of rows) {
          const key = JSON.stringify([clock.policy.scope, clock.policy.version]);
          if (clock.countsBusinessTime && !versions.has(key)) versions.set(key, (await policyStore.version(manager, clock.policy.scope, clock.policy.version))?.policy);
          times.push(clockTimeOf(clock, clock.countsBusinessTime ? versions.get(key) : undefined));
        }
        return ok({ ticketId: ticketId.value, rows, ticket, times });
      });
      if (!read.ok) return sendFailure(reply, read.error);
      const { ticketId, rows, ticket, times } = read.value;
      const now = deps.clock.now();
      const resolved = ticket ? resolutionMs(ticket) : undefined;
      return {
        ticketId,
        clocks: rows.map((r, i) => toView(r, now, times[i])),
        ...(ticket?.resolvedAt && resolved !== undefined ? { resolution: { resolvedAt: ticket.resolvedAt.toISOString(), resolutionMs: resolved } } : {}),
      };
    },
  );
};
