import type { IncomingMessage } from 'node:http';
import type { FastifyReply } from 'fastify';

/** Destroys an upstream answer still streaming when its route's timeout is up. */
class UpstreamOverdue extends Error {
  constructor(timeoutMs: number) {
    super(`the service's answer was not complete within ${timeoutMs} ms`);
  }
}

/**
 * The route's timeout as a deadline for the whole exchange (docs/adr/0014 amends 0011). reply-from
 * times out only until the headers come: a service that sends its headers and then stalls would
 * hold the client and a connection forever. Started when forwarding starts, the deadline cuts
 * the answer's stream; the client sees its response end incomplete (the status is already sent).
 */
export const cutWhenOverdue = (reply: FastifyReply, timeoutMs: number) => {
  let upstream: IncomingMessage | undefined;
  let overdue = false;
  const timer = setTimeout(() => {
    overdue = true;
    upstream?.destroy(new UpstreamOverdue(timeoutMs));
  }, timeoutMs);
  reply.raw.once('close', () => clearTimeout(timer));
  return {
    /** reply-from's onResponse: send the service's answer on, under the deadline. */
    stream(response: { stream: IncomingMessage }): void {
      upstream = response.stream;
      // reply-from's idle socket timeout would fire into a reply already under way; the deadline
      // replaces it from here on.
      upstream.socket?.setTimeout(0);
      if (overdue) upstream.destroy(new UpstreamOverdue(timeoutMs));
      void reply.send(upstream);
    },
  };
};
