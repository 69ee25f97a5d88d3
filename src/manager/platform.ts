/**
 * Platforms as the manager uses them. Only `localhost` exists so far: background runner, local
 * transport, no install step; its run directory on the host is the run directory itself.
 */
import { cpus } from "node:os";
import type { Transport } from "../transport/transport.js";
import { LocalTransport } from "../transport/local.js";

/** Polling intervals in seconds; the last value of each list repeats. */
export interface PollingSchedule {
  submission: number[];
  execution: number[];
  /** After a job's time limit has passed. */
  timeLimit: number[];
}

export interface Platform {
  name: string;
  hosts: string[];
  runner: string;
  transport: Transport;
  /** Jobs per batch call. */
  maxBatch: number;
  /** Live jobs at once on this platform. */
  maxActive: number;
  polling: PollingSchedule;
  /** Seconds a job may stay unlisted with no exit line before a verdict (slow filesystems, runners). */
  unlistedGraceS: number;
  /** Seconds between TERM and KILL when Drover kills a job. */
  killGraceS: number;
  /** Seconds a job gets between the time-limit signal and KILL. */
  timeLimitGraceS: number;
  /** Seconds a batch call may take before it is cut. */
  batchTimeoutS: number;
}

/** The built-in localhost platform (defaults in seconds: local polls are cheap). */
export function localhostPlatform(): Platform {
  return {
    name: "localhost",
    hosts: ["localhost"],
    runner: "background",
    transport: new LocalTransport(),
    maxBatch: 100,
    maxActive: Math.max(1, cpus().length) * 4,
    polling: { submission: [1, 2, 5], execution: [1, 1, 2, 3, 5, 10], timeLimit: [1, 2, 5] },
    unlistedGraceS: 2,
    killGraceS: 10,
    timeLimitGraceS: 10,
    batchTimeoutS: 300,
  };
}
