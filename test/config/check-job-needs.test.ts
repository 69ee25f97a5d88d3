import { test } from "node:test";
import assert from "node:assert/strict";
import { checkJobNeeds, type JobNeeds } from "../../src/config/check-job-needs.js";

const jobs = (spec: Record<string, string[]>): JobNeeds[] =>
  Object.entries(spec).map(([name, needs]) => ({ name, needs, needsIsList: true }));

test("a DAG has no problem", () => {
  assert.equal(checkJobNeeds(jobs({ a: [], b: ["a"], c: ["a"], d: ["b", "c"] })), null);
});

test("the cycle is named from the job where the search entered it", () => {
  assert.deepEqual(checkJobNeeds(jobs({ ok: [], a: ["ok", "b"], b: ["c"], c: ["b"] })), {
    path: ["jobs", "b", "needs", 0],
    message: "cyclic needs: b -> c -> b",
  });
});

test("a need written as one string points at the needs key itself", () => {
  const problem = checkJobNeeds([{ name: "a", needs: ["x"], needsIsList: false }]);
  assert.deepEqual(problem?.path, ["jobs", "a", "needs"]);
});

test("a chain of 100,000 jobs does not overflow the stack; a cycle at its end is found", () => {
  const chain: JobNeeds[] = [];
  for (let i = 0; i < 100_000; i++)
    chain.push({ name: `j${i}`, needs: i ? [`j${i - 1}`] : [], needsIsList: true });
  assert.equal(checkJobNeeds(chain), null);
  chain[0] = { name: "j0", needs: ["j99999"], needsIsList: true };
  const problem = checkJobNeeds(chain);
  assert.match(problem?.message ?? "", /^cyclic needs: j0 -> j99999 -> j99998 -> .* -> j1 -> j0$/);
});
