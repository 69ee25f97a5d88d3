/**
 * The one quoting function for everything Drover puts into shell text: paths, values, argv.
 * Single quotes make every byte literal; a single quote inside becomes '\''.
 */
export function shellQuote(value: string): string {
  if (value.includes("\0")) throw new Error("a NUL byte cannot be passed through the shell");
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quotes each word and joins them with spaces: a command line that runs `argv` as given. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

/**
 * A path on a host as shell text: `~/x` becomes `"$HOME"/'x'` so the home directory expands there
 * while the rest stays literal; any other path is quoted whole.
 */
export function shellPath(path: string): string {
  if (path === "~") return `"$HOME"`;
  if (path.startsWith("~/")) return `"$HOME"/${shellQuote(path.slice(2))}`;
  return shellQuote(path);
}
