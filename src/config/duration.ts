/**
 * ISO 8601 durations as used in job sets and platform files: `PT30S`, `PT0.5S`, `PT1H30M`, `P1D`,
 * `P1DT12H`, `P2W`. Years and months are refused (their length in seconds is not fixed).
 */

const SECONDS = { W: 604_800, D: 86_400, H: 3_600, M: 60, S: 1 } as const;

/** Longest duration accepted: ten years (with leap days). Anything longer is a typo, not a plan. */
export const MAX_DURATION_S = 3_653 * 86_400;

// A number is digits with an optional fraction (ISO allows "," as the decimal mark too).
const NUM = String.raw`(\d+(?:[.,]\d+)?)`;
const WEEKS = new RegExp(`^P${NUM}W$`);
const FULL = new RegExp(`^P(?:${NUM}D)?(?:T(?:${NUM}H)?(?:${NUM}M)?(?:${NUM}S)?)?$`);

const EXAMPLES = "PT30S, PT0.5S, PT5M, PT1H30M, P1D or P2W";

/** Thrown by {@link parseDuration}; the config loader turns it into a ConfigError with file and line. */
export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DurationError";
  }
}

/**
 * Parses an ISO 8601 duration (`PnW` or `PnDTnHnMnS`) into seconds, possibly fractional.
 * Only the last component given may carry a fraction. Throws {@link DurationError} on anything else.
 */
export function parseDuration(text: string): number {
  if (typeof text !== "string") throw new DurationError(`expected a duration such as ${EXAMPLES}`);
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
  // Annotated so the compiler knows a call to it ends the function.
  const fail: (why: string) => never = (why) => {
    throw new DurationError(`bad duration ${shown}: ${why}`);
  };
  if (text === "") fail(`empty; expected ISO 8601 such as ${EXAMPLES}`);
  if (text.startsWith("-")) fail("a duration cannot be negative");
  const weeks = WEEKS.exec(text);
  const full = weeks ? null : FULL.exec(text);
  const match = weeks ?? full;
  if (!match) {
    // Give the likeliest reason rather than only "invalid".
    if (/^\d/.test(text)) fail(`ISO 8601 durations start with P, e.g. ${EXAMPLES}`);
    const upper = text.toUpperCase();
    if (upper !== text && (WEEKS.test(upper) || FULL.test(upper)))
      fail(`write the letters in upper case: ${upper}`);
    if (/^P.*W./.test(text)) fail("weeks cannot be combined with other units; use days (P9D)");
    if (/^P[^T]*[YM]/.test(text)) fail("years and months are not supported (their length varies); use days");
    fail(`expected ISO 8601 such as ${EXAMPLES}`);
  }
  const units = weeks ? ["W"] : ["D", "H", "M", "S"];
  const values = units.map((_, i) => match[i + 1]);
  const given = values.filter((v) => v !== undefined);
  if (text.endsWith("T")) fail("a T must be followed by hours, minutes or seconds");
  if (given.length === 0) fail(`no number in it; expected ISO 8601 such as ${EXAMPLES}`);
  // ISO 8601 allows a fraction only on the smallest component written.
  if (given.slice(0, -1).some((v) => /[.,]/.test(v))) fail("only the last component may have a fraction");
  let total = 0;
  units.forEach((unit, i) => {
    const v = values[i];
    if (v !== undefined) total += Number(v.replace(",", ".")) * SECONDS[unit as keyof typeof SECONDS];
  });
  if (!Number.isFinite(total) || total > MAX_DURATION_S) fail("longer than 10 years");
  return total;
}

/**
 * Formats seconds as a canonical ISO 8601 duration (`PT0S`, `PT1H30M`, `P1DT0.5S`); weeks are written
 * as days. Throws RangeError for a negative or non-finite number.
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`not a duration: ${seconds}`);
  // Work in whole microseconds so float noise (0.1 + 0.2) neither shows nor carries into 60 s.
  const micros = Math.round(seconds * 1e6);
  const whole = Math.floor(micros / 1e6);
  const days = Math.floor(whole / 86_400);
  const hours = Math.floor((whole % 86_400) / 3_600);
  const minutes = Math.floor((whole % 3_600) / 60);
  const secs = (whole % 60) + (micros - whole * 1e6) / 1e6;
  let time = "";
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (secs) time += `${secs}S`;
  if (!days && !time) return "PT0S";
  return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
}
