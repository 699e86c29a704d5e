import Sequencer from '@jest/test-sequencer';

/**
 * Jest's own order (failed first, then by the durations it cached, else by file size), except
 * that the soak's 60-second variant starts first: on a fresh clone there is no cache, and the
 * soak, the longest file by far, would otherwise start last and run alone at the end.
 */
export default class LongestFirst extends Sequencer {
  sort(tests) {
    const soak = (test) => (test.path.endsWith('/soak.e2e-spec.ts') ? 0 : 1);
    return [...super.sort(tests)].sort((a, b) => soak(a) - soak(b));
  }
}
