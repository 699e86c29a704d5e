import Sequencer from '@jest/test-sequencer';
import { readdirSync, statSync } from 'node:fs';

/**
 * Jest's own order (failed first, then by the durations it cached), except that on a fresh clone,
 * with no durations cached, a topic's file weighs what its cases weigh (`test/runs.e2e-spec.ts`
 * only imports `test/runs/*.ts`), not its own few lines; and the soak's 60-second variant always
 * starts first: the longest file by far, it would otherwise run alone at the end.
 */
export default class LongestFirst extends Sequencer {
  sort(tests) {
    const sorted = super.sort(tests);
    const order = sorted.some((test) => test.duration != null)
      ? sorted
      : [...sorted].sort((a, b) => weight(b.path) - weight(a.path));
    const soak = (test) => (test.path.endsWith('/soak.e2e-spec.ts') ? 0 : 1);
    return order.sort((a, b) => soak(a) - soak(b));
  }
}

/** The file's size, plus that of its cases: the files of the directory named after it. */
function weight(path) {
  const cases = path.replace(/\.e2e-spec\.ts$/, '');
  let size = statSync(path).size;
  if (cases !== path)
    try {
      for (const file of readdirSync(cases)) size += statSync(`${cases}/${file}`).size;
    } catch {
      // no directory of cases
    }
  return size;
}
