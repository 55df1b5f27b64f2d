import type { Clock } from '../clock';

/** A clock tests move by hand. */
export class TestClock implements Clock {
  private current: number;
  private readonly listeners = new Set<() => void>();
  constructor(start: Date | string = '2026-01-05T09:00:00.000Z') {
    this.current = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.current);
  }
  advanceMs(ms: number): Date {
    this.current += ms;
    this.moved();
    return this.now();
  }
  set(at: Date | string): void {
    this.current = new Date(at).getTime();
    this.moved();
  }
  onMove(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  private moved(): void {
    for (const listener of this.listeners) listener();
  }
}
