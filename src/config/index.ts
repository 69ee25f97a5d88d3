/** Public face of the config module: job set loading, its types and ISO 8601 durations. */
export { parseDuration, formatDuration, DurationError, MAX_DURATION_S } from "./duration.js";
export {
  type JobSpec,
  type JobSet,
  jobSchema,
  jobSetSchema,
  isReservedDirective,
  RESERVED_DIRECTIVES,
  SCRIPT_MAX_BYTES,
  ENV_NAME_PATTERN,
  DIRECTIVE_KEY_PATTERN,
} from "./job-set-schema.js";
export { loadJobSet, parseJobSet, JOB_SET_MAX_BYTES } from "./load-job-set.js";
export { checkJobNeeds, type JobNeeds, type NeedsProblem } from "./check-job-needs.js";
export { YamlLocator, formatKeyPath, type PathKey } from "./yaml-locator.js";
