import { InProcessTransport } from '../src/in-process/in-process-transport';
import { describeTransportContract } from '../src/testing';

describeTransportContract('in-process', async () => new InProcessTransport());
