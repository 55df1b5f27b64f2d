import { TicketCreatedV1 } from '@tss/contracts';
import { on } from '@tss/messaging';
import { composeService, runMain, runServiceProcess, type ServicePart } from '../../src';

/**
 * A service process of no use but to be started by the runtime's tests as `main.js` is in a pod:
 * its own schema (messaging and timer tables only) and one handler, so it joins a consumer group.
 */
const part: ServicePart = { name: 'fixture', build: () => ({ handlers: [on(TicketCreatedV1, async () => undefined)] }) };

const fixture = composeService({ name: 'rating', description: 'The runtime tests fixture', schema: 'runtime_fixture', parts: [part] });

runMain('fixture', () => runServiceProcess(fixture));
