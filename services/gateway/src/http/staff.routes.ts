import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { StaffLanguage, Text } from '@tss/contracts';
import { failureResponses, sendFailure, type AccessRule, type TargetRefusal } from '@tss/service-kit';
import { findClient, listClients, setStaffClientLanguage } from '../use-cases/manage-clients';
import { findSsoStaff, listSsoStaff, markSsoStaff, type SsoStaffDeps } from '../use-cases/sso-staff';
import { clientAsStaffMember, ssoStaffAsStaffMember, StaffMemberView } from './staff.views';

const StaffParams = Type.Object({ staffId: Text({ maxLength: 600 }) });
const StaffPatch = Type.Object(
  {
    active: Type.Optional(
      Type.Boolean({ description: 'Single sign-on only. false: their tokens are refused and their open tickets return to the queue; true: accepted again' }),
    ),
    language: Type.Optional(StaffLanguage),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ active: false }, { language: 'ru' }] },
);
const ADMIN: AccessRule = { kinds: ['staff'], roles: ['admin'] };
const STAFF = { kind: 'staff' as const };

const noStaffMember = (reply: FastifyReply) =>
  sendFailure(reply, { kind: 'not_found', detail: 'No staff member with this id: staff clients are created with POST /v1/clients; staff signed in through single sign-on are recorded at their first request.' });

/** Every staff member the services know (docs/auth.md "Support staff"), and the standing of those of the identity provider. */
export const staffRoutes = (deps: SsoStaffDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(StaffMemberView);
  // The precondition hook's look-up (RFC 9110 §13.2.1): a staff member of either kind, or the PATCH's 404.
  const staffMemberFound: TargetRefusal = async (request, reply) => {
    const { staffId } = request.params as { staffId: string };
    return (await findSsoStaff(deps, staffId)) || (await findClient(deps, STAFF, staffId)) ? undefined : noStaffMember(reply);
  };

  app.get(
    '/v1/staff',
    {
      schema: {
        tags: ['clients'],
        operationId: 'listStaff',
        summary: 'List staff (admin): staff API clients, then staff signed in through single sign-on, as announced in staff.*',
        response: { 200: Type.Object({ items: Type.Array(Type.Ref('StaffMember')) }) },
      },
      config: { access: ADMIN },
    },
    async () => {
      const [clients, sso] = await Promise.all([listClients(deps, STAFF), listSsoStaff(deps)]);
      return { items: [...clients.map(clientAsStaffMember), ...sso.map(ssoStaffAsStaffMember)] };
    },
  );

  app.patch(
    '/v1/staff/:staffId',
    {
      schema: {
        tags: ['clients'],
        operationId: 'updateStaffMember',
        summary:
          "Set a staff member's mail language, or mark one signed in through single sign-on inactive or active again (admin); announced as staff.updated",
        params: StaffParams,
        body: StaffPatch,
        response: { 200: Type.Ref('StaffMember'), ...failureResponses('not_found', 'conflict') },
      },
      config: { access: ADMIN, preconditions: { refusedFirst: staffMemberFound } },
    },
    async (request, reply) => {
      const { staffId } = request.params;
      const { active, language } = request.body;
      const marked = await markSsoStaff(deps, staffId, request.body);
      if (marked) return ssoStaffAsStaffMember(marked);
      // A staff client takes its language here; its standing is its client's (nothing of a PATCH naming `active` is applied).
      if (active !== undefined && (await findClient(deps, STAFF, staffId))) {
        return sendFailure(reply, { kind: 'conflict', detail: 'A staff API client: disable it with DELETE /v1/clients/{cid}.' });
      }
      const client = language !== undefined ? await setStaffClientLanguage(deps, staffId, language) : undefined;
      if (client) return clientAsStaffMember(client);
      return noStaffMember(reply);
    },
  );
};
