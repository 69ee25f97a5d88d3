/** The library's public face. */
export { runJobSet, type RunJobSetOptions, type RunResult } from "./manager/run-job-set.js";
export { Scheduler, type RunSummary } from "./manager/scheduler.js";
export type { DroverEvent, Clock } from "./manager/run-context.js";
export { loadJobSet, parseJobSet } from "./config/index.js";
export type { JobSet, JobSpec } from "./config/index.js";
export { DroverError, ConfigError, UsageError } from "./errors.js";
export { JOB_STATES, FINAL_STATES, formatReason, type JobState, type Reason } from "./job/model.js";
export { droverHome } from "./manager/run-paths.js";
export { main as cli } from "./cli/main.js";
export type {
  Runner,
  RunnerCapabilities,
  CommandSpec,
  CommandArg,
  JobRef,
  QueryReply,
  ParsedPoll,
  ParsedSubmit,
  ParsedLookup,
  KillAction,
  PollQuery,
  LookupQuery,
  SubmitTarget,
  SubmitReply,
  DirectiveJob,
} from "./runners/runner.js";
export { registerRunner, getRunner, runnerNames } from "./runners/registry.js";
