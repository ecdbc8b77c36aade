/**
 * A first-in-first-out lock for workflow code. `await condition(() => !busy); busy = true`
 * releases every waiter in one activation (they all see `!busy` before any sets it); here each
 * caller takes a ticket and only the holder of the next ticket may enter, so queued cluster
 * changes run one at a time, in arrival order. Deterministic: no timers, no Node built-ins.
 */
import { condition } from '@temporalio/workflow';

/** Releases the lock; the next ticket may enter. Call exactly once. */
export type Release = () => void;

/** A FIFO lock: `const release = await lock.acquire(); try { … } finally { release(); }`. */
export class FifoLock {
  private issued = 0;
  private serving = 0;
  private held = false;

  /** True while a holder runs (between acquire and release). */
  get busy(): boolean {
    return this.held;
  }

  /** How many callers wait behind the holder. */
  get waiting(): number {
    return this.issued - this.serving - (this.held ? 1 : 0);
  }

  /** Waits for this caller's turn (arrival order) and for `also` to hold, then holds the lock. */
  async acquire(also: () => boolean = () => true): Promise<Release> {
    const ticket = this.issued++;
    await condition(() => !this.held && this.serving === ticket && also());
    this.held = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held = false;
      this.serving += 1;
    };
  }
}
