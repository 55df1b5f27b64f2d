/**
 * Thrown by a handler that sees an event before one it depends on (an `sla.*` before intake has
 * applied the ticket's `ticket.created`). Not a bug: the consumer retries it with backoff for a
 * bounded time (`notYetMaxWaitMs`), then dead-letters it, which parks the key's later events. The
 * attempt after which it would not retry tells the handler (`HandlerContext.waitSpent`), so one that
 * can go ahead without what it waits for does so instead.
 */
export class NotYet extends Error {
  override name = 'NotYet';
}
