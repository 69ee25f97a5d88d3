/** Waiting in tests for something another process does. */
import assert from "node:assert/strict";

/** Resolves once `cond` holds, looking every `stepMs`; fails the test after `ms`. */
export async function until(
  cond: () => boolean,
  ms: number,
  what = "condition",
  stepMs = 100,
): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
