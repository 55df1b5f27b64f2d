import { connect } from 'node:net';
import { waitFor } from '@tss/service-kit/testing';

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (the inbound SMTP listener). */
export const accepting = (port: number) =>
  waitFor(`the inbound SMTP listener on ${port}`, () =>
    new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    }),
  );
