import type { FleetClock } from '../../src/engine/fleet.js';
import type { Clock } from '../../src/engine/wait.js';

/** Time that moves only when the code under test sleeps (or an exec says it took a while). */
export class FakeClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(public time = 0) {}
  now(): number {
    return this.time;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += Math.max(0, ms);
  }
}

/**
 * Time that moves only when a test says so: `advance(ms)` runs every timer that falls due, in
 * order, letting promises settle between them. Implements the fleet executor's clock (timers) and
 * the boot wait's (sleep).
 */
export class FakeTimers implements FleetClock, Clock {
  private time: number;
  private timers: Array<{ at: number; seq: number; callback: () => void }> = [];
  private seq = 0;

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, callback: () => void): () => void {
    const timer = { at: this.time + Math.max(0, ms), seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  /** Timers not yet run. */
  get pending(): number {
    return this.timers.length;
  }

  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await settle();
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.at;
      due.callback();
      await settle();
    }
    this.time = end;
    await settle();
  }
}

/** Lets every promise that can settle now do so (a few macrotask turns). */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}

/** A clock standing still at a moment (`2026-06-30T23:59:59Z`, or a day at midnight UTC), for waiver expiry. */
export function dayClock(moment: string): FakeClock {
  return new FakeClock(Date.parse(moment.includes('T') ? moment : `${moment}T00:00:00Z`));
}
