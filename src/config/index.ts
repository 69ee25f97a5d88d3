/** Public face of the config module: job sets, platforms, their types and ISO 8601 durations. */
export { parseDuration, formatDuration, DurationError, MAX_DURATION_S } from "./duration.js";
export { parseSize, formatSize, SizeError, SIZE_UNITS, MAX_SIZE_BYTES } from "./parse-size.js";
export {
  type JobSpec,
  type JobSet,
  jobSchema,
  jobSetSchema,
  makeJobSetSchema,
  isReservedDirective,
  RESERVED_DIRECTIVES,
  SCRIPT_MAX_BYTES,
  ENV_NAME_PATTERN,
  DIRECTIVE_KEY_PATTERN,
} from "./job-set-schema.js";
export { loadJobSet, parseJobSet, JOB_SET_MAX_BYTES, type LoadJobSetOptions } from "./load-job-set.js";
export { checkJobNeeds, type JobNeeds, type NeedsProblem } from "./check-job-needs.js";
export { YamlLocator, formatKeyPath, type PathKey } from "./yaml-locator.js";
export type { PlatformSpec, PlatformGroupSpec, PlatformCatalog, PollingSpec } from "./platform-types.js";
export {
  BUILTIN_RUNNERS,
  DEFAULT_RUN_ROOT,
  LOCALHOST,
  LOCALHOST_TUNING_KEYS,
  localhostSpec,
  remoteDefaults,
  applyPlatformDefaults,
} from "./platform-defaults.js";
export { platformFileSchema, platformSchema, PLATFORM_KEYS, type PlatformInput } from "./platforms-schema.js";
export {
  loadPlatformCatalog,
  parsePlatformFile,
  checkJobPlatforms,
  platformChoices,
  userPlatformsPath,
  lineInJobSet,
  type LoadPlatformCatalogOptions,
} from "./load-platforms.js";
export type { PlatformSection } from "./read-platform-section.js";
