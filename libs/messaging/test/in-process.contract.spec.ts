import { InProcessTransport } from '../src/in-process/in-process-transport';
import { describeTransportContract } from '../src/testing';

describeTransportContract('in-process', async (_label, databaseUrl) => {
  const transport = new InProcessTransport();
  await transport.useDatabase(databaseUrl);
  return transport;
});
