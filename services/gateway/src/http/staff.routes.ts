import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Text } from '@tss/contracts';
import { failureResponses, sendFailure, type AccessRule } from '@tss/service-kit';
import { findClient, listClients } from '../use-cases/manage-clients';
import { listSsoStaff, markSsoStaff, type SsoStaffDeps } from '../use-cases/sso-staff';
import { clientAsStaffMember, ssoStaffAsStaffMember, StaffMemberView } from './staff.views';

const StaffParams = Type.Object({ staffId: Text({ maxLength: 600 }) });
const StaffPatch = Type.Object(
  { active: Type.Boolean({ description: 'false: their tokens are refused and their open tickets return to the queue; true: accepted again' }) },
  { additionalProperties: false, examples: [{ active: false }] },
);
const ADMIN: AccessRule = { kinds: ['staff'], roles: ['admin'] };
const STAFF = { kind: 'staff' as const };

/** Every staff member the services know (docs/auth.md "Support staff"), and the standing of those of the identity provider. */
export const staffRoutes = (deps: SsoStaffDeps) => async (fastify: FastifyInstance) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.addSchema(StaffMemberView);

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
        summary: 'Mark a staff member signed in through single sign-on inactive or active again (admin); announced as staff.updated',
        params: StaffParams,
        body: StaffPatch,
        response: { 200: Type.Ref('StaffMember'), ...failureResponses('not_found', 'conflict') },
      },
      config: { access: ADMIN },
    },
    async (request, reply) => {
      const { staffId } = request.params;
      const marked = await markSsoStaff(deps, staffId, request.body.active);
      if (marked) return ssoStaffAsStaffMember(marked);
      if (await findClient(deps, STAFF, staffId)) {
        return sendFailure(reply, { kind: 'conflict', detail: 'A staff API client: disable it with DELETE /v1/clients/{cid}.' });
      }
      return sendFailure(reply, { kind: 'not_found', detail: 'No staff member signed in through single sign-on with this id: TSS records them at their first request.' });
    },
  );
};
