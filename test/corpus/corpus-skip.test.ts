import * as os from 'os';
import * as path from 'path';
import { corpusSkipFailure } from './corpus-helpers';

// A corpus suite that cannot run skips locally, and fails on CI (which always has ../shared).
describe('corpusSkipFailure', () => {
  const shared = os.tmpdir(); // exists
  const absent = path.join(os.tmpdir(), 'no-such-shared-dir-for-corpus-skip-test');

  test.each([{}, { CI: '' }, { CI: 'false' }, { CI: '0' }])('GIVEN not on CI (%j) THEN the suite skips', (env) => {
    expect(corpusSkipFailure('corpus tests', 'no corpus at x', env, shared)).toBeUndefined();
  });

  test('GIVEN CI and ../shared present THEN the suite fails, saying why', () => {
    expect(corpusSkipFailure('corpus tests', 'no corpus at x', { CI: 'true' }, shared))
      .toBe(`corpus tests cannot run on CI (no corpus at x; ${shared} exists): a skipped corpus suite is a failure there`);
  });

  test('GIVEN CI and ../shared absent THEN the suite fails, saying CI always has it', () => {
    expect(corpusSkipFailure('corpus agreement', 'no corpus at x', { CI: '1' }, absent))
      .toBe(`corpus agreement cannot run on CI (no corpus at x; ${absent} is missing, and CI always has it): a skipped corpus suite is a failure there`);
  });
});
