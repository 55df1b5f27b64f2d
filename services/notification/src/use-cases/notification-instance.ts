import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * This process of notification (one replica) as `notification.instances` knows it. A mail attempt
 * or a webhook claim names the instance that took it while the instance's row is registered, so a
 * live instance can take the work back at once when this one stops beating (docs/adr/0035 and
 * 0034, addenda of 2026-12-04, seventh session). `InstanceLiveness` registers and beats the row.
 */
export class NotificationInstance {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  private registered = false;
  private registering?: { promise: Promise<void>; resolve: () => void };

  constructor(options: { id?: string; host?: string; pid?: number } = {}) {
    this.id = options.id ?? randomUUID();
    this.host = options.host ?? hostname();
    this.pid = options.pid ?? process.pid;
  }

  /**
   * The id to record with work taken now: this instance's while its row is committed, else null.
   * Work recorded with null is no instance's: no sweep takes it back, its own bound (the mail's
   * armed retry, the delivery's watchdog) ends it, as before instances were recorded. Never an id
   * without a row: a sweep would take that work back at once, while it is being sent.
   */
  get workId(): string | null {
    return this.registered ? this.id : null;
  }

  /** Resolves once the instance's row is registered (one promise for every caller until then). */
  whenRegistered(): Promise<void> {
    if (this.registered) return Promise.resolve();
    if (!this.registering) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((r) => (resolve = r));
      this.registering = { promise, resolve };
    }
    return this.registering.promise;
  }

  /** Its row is committed (`InstanceLiveness` beat it). */
  markRegistered(): void {
    this.registered = true;
    this.registering?.resolve();
    this.registering = undefined;
  }

  /** Its row is about to go (a graceful stop): work taken from now on names no instance. */
  markUnregistered(): void {
    this.registered = false;
  }
}
