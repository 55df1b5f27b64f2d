/** A commit the unit of work announces to its relay: the backend it ran on, and when it began (`performance.now()`). */
export interface AnnouncedCommit {
  backendPid: number;
  startedAt: number;
}

/** How long an announced commit waits for its NOTIFY before a NOTIFY from that backend is news again. */
export const ECHO_WINDOW_MS = 1_000;

/** Past this many backends remembered, the entries older than the window are dropped. */
const PRUNE_FROM = 256;

/**
 * Tells the relay which wake-ups are the second of a pair (docs/adr/0090). A commit that writes to
 * the outbox wakes its relay twice: the unit of work kicks it in-process, and the outbox trigger's
 * NOTIFY reaches the relay's connection moments later. A second wake-up during a drain made the
 * relay linger and drain again for rows it had already published: intake's relay counted 12,040
 * wake-ups for 6,020 commits (ADR 0089).
 *
 * PostgreSQL names the sending backend in every notification, and the unit of work names the
 * backend it committed on. Whichever of the two comes second is dropped:
 * - a NOTIFY from a backend with an announced commit still unheard is that commit's echo;
 * - an announced commit from a backend whose NOTIFY came after the commit began was already woken for.
 * A NOTIFY nobody announced (a timer worker's commit, another replica's) wakes the relay as before.
 * A mismatch can only cost a wake-up's delay, never the wake-up: a dropped kick's NOTIFY woke the
 * relay; a dropped NOTIFY's kick did.
 */
export class CommitEchoes {
  /** Backend → when its announced commit came, its NOTIFY not yet. */
  private readonly awaited = new Map<number, number>();
  /** Backend → when its last NOTIFY came that no commit had announced. */
  private readonly unannounced = new Map<number, number>();

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly windowMs = ECHO_WINDOW_MS,
  ) {}

  /** A commit announced by the unit of work: true when it should wake the relay (its NOTIFY has not). */
  announced(commit: AnnouncedCommit): boolean {
    const heardAt = this.unannounced.get(commit.backendPid);
    if (heardAt !== undefined && heardAt >= commit.startedAt) {
      this.unannounced.delete(commit.backendPid);
      return false;
    }
    this.remember(this.awaited, commit.backendPid);
    return true;
  }

  /** A NOTIFY from `backendPid`: true when it should wake the relay (no announced commit woke it). */
  notified(backendPid: number): boolean {
    const announcedAt = this.awaited.get(backendPid);
    if (announcedAt !== undefined) {
      this.awaited.delete(backendPid);
      if (this.now() - announcedAt <= this.windowMs) return false;
    }
    this.remember(this.unannounced, backendPid);
    return true;
  }

  /** The notifications' connection was lost: the NOTIFYs awaited will not come. */
  forget(): void {
    this.awaited.clear();
    this.unannounced.clear();
  }

  private remember(entries: Map<number, number>, backendPid: number): void {
    const now = this.now();
    entries.set(backendPid, now);
    if (entries.size <= PRUNE_FROM) return;
    for (const [pid, at] of entries) if (now - at > this.windowMs) entries.delete(pid);
  }
}
