/**
 * Byte sizes as written in platform files: `1048576`, `512K`, `10MiB`, `1.5GB`.
 * Binary and decimal units follow IEC and SI: `KiB` = 1024 and `KB` = 1000; the bare letters `K`,
 * `M`, `G` are binary (as rsync and most Unix tools read them). Units are case-sensitive.
 */

/** Bytes per unit. */
export const SIZE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  K: 1024,
  KiB: 1024,
  KB: 1000,
  M: 1024 ** 2,
  MiB: 1024 ** 2,
  MB: 1000 ** 2,
  G: 1024 ** 3,
  GiB: 1024 ** 3,
  GB: 1000 ** 3,
};

/** Largest size accepted: 1 TiB (a log bigger than that is not fetched whole by anyone). */
export const MAX_SIZE_BYTES = 1024 ** 4;

/** Thrown by {@link parseSize}; the config loader turns it into a ConfigError with file and line. */
export class SizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SizeError";
  }
}

const SIZE = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/;

/**
 * Parses a size: a whole number of bytes (number or text) or a number with a unit from
 * {@link SIZE_UNITS}. Fractions are allowed with a unit and rounded to whole bytes.
 */
export function parseSize(value: number | string): number {
  const shown = JSON.stringify(String(value).slice(0, 40));
  const fail: (why: string) => never = (why) => {
    throw new SizeError(`bad size ${shown}: ${why}`);
  };
  let bytes: number;
  if (typeof value === "number") {
    if (!Number.isInteger(value) || value < 0) fail("a size in bytes must be a whole number of at least 0");
    bytes = value;
  } else {
    const match = SIZE.exec(value.trim());
    if (!match) fail("expected a number of bytes or a number with a unit, such as 512K, 10MiB or 1GB");
    const [, num = "", unit = ""] = match;
    const per = unit === "" ? 1 : Object.hasOwn(SIZE_UNITS, unit) ? SIZE_UNITS[unit] : undefined;
    if (per === undefined)
      fail(`unknown unit ${JSON.stringify(unit)} (use ${Object.keys(SIZE_UNITS).join(", ")})`);
    if (unit === "" && num.includes(".")) fail("a size in bytes must be a whole number");
    bytes = Math.round(Number(num) * per);
  }
  if (bytes > MAX_SIZE_BYTES) fail("larger than 1 TiB");
  return bytes;
}

/** Formats bytes with the largest whole binary unit: 10485760 is `10MiB`, 1000000 stays `1000000`. */
export function formatSize(bytes: number): string {
  for (const unit of ["GiB", "MiB", "KiB"]) {
    const per = SIZE_UNITS[unit]!;
    if (bytes >= per && bytes % per === 0) return `${bytes / per}${unit}`;
  }
  return String(bytes);
}
