/** Runs async tasks with at most `limit` in flight; resolves when all have settled. */
export async function runLimited(
  tasks: (() => Promise<void>)[],
  limit: number,
  onError: (err: unknown) => void,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      try {
        await task();
      } catch (err) {
        onError(err);
      }
    }
  };
  // A limit below 1 (or NaN) still runs the tasks, one at a time, rather than silently none.
  const workers = Math.min(Math.max(1, Math.floor(limit) || 1), tasks.length);
  await Promise.all(Array.from({ length: workers }, worker));
}

/** Splits `items` into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  const n = Math.max(1, Math.floor(size));
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}
