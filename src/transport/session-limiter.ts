/**
 * Sessions per ControlMaster: a counting semaphore per control path, shared by every SshTransport
 * of the process, whose cap can only go down (a refused session tells us the server's limit).
 */

/** A FIFO counting semaphore with a lowerable cap. */
export class SessionLimiter {
  private capValue: number;
  private activeCount = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(cap: number) {
    if (!Number.isInteger(cap) || cap < 1)
      throw new RangeError(`session cap must be a positive integer: ${cap}`);
    this.capValue = cap;
  }

  /** The current cap. */
  get cap(): number {
    return this.capValue;
  }

  /** Sessions held now. */
  get active(): number {
    return this.activeCount;
  }

  /** Waits for a free slot; resolves with a release function to call exactly once. */
  async acquire(): Promise<() => void> {
    if (this.activeCount < this.capValue && this.waiters.length === 0) {
      this.activeCount++;
    } else {
      // The releaser hands its slot over directly, so the count stays exact.
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.activeCount--;
      this.pump();
    };
  }

  /**
   * Lowers the cap after the server refused a session while `activeCount` were held (the refused one
   * included): the server allows fewer than that. Never below 1; never raises.
   */
  lower(): number {
    this.capValue = Math.max(1, Math.min(this.capValue - 1, this.activeCount - 1));
    return this.capValue;
  }

  /** Caps the limiter at `cap` when that is lower (a later transport configured with fewer sessions). */
  limitTo(cap: number): void {
    if (Number.isInteger(cap) && cap >= 1 && cap < this.capValue) this.capValue = cap;
  }

  private pump(): void {
    while (this.activeCount < this.capValue && this.waiters.length > 0) {
      this.activeCount++;
      const next = this.waiters.shift() as () => void;
      next();
    }
  }
}

const limiters = new Map<string, SessionLimiter>();

/**
 * The process-wide limiter for one control path. The first caller's cap creates it; later callers
 * may only lower it (two transports sharing a master must both stay within the smaller cap).
 */
export function limiterFor(key: string, cap: number): SessionLimiter {
  let l = limiters.get(key);
  if (!l) {
    l = new SessionLimiter(cap);
    limiters.set(key, l);
  } else {
    l.limitTo(cap);
  }
  return l;
}
