import { RunError } from '#libs/common/errors';
import {
  GraphBadRequestError,
  graphErrorFor,
  GraphForbiddenError,
  GraphNotFoundError,
  GraphThrottledError,
  GraphUnauthorizedError,
  GraphUnavailableError,
} from './graph.errors.js';

describe('graphErrorFor', () => {
  it('maps each status to its SPEC §5 code and retryability', () => {
    const cases: [number, unknown, string, boolean][] = [
      [401, GraphUnauthorizedError, 'graph.unauthorized', false],
      [403, GraphForbiddenError, 'graph.forbidden', false],
      [404, GraphNotFoundError, 'graph.not_found', false],
      [429, GraphThrottledError, 'graph.throttled', true],
      [500, GraphUnavailableError, 'graph.unavailable', true],
      [503, GraphUnavailableError, 'graph.unavailable', true],
      [504, GraphUnavailableError, 'graph.unavailable', true],
      [400, GraphBadRequestError, 'graph.bad_request', false],
      [409, GraphBadRequestError, 'graph.bad_request', false],
    ];
    for (const [status, type, code, retryable] of cases) {
      const error = graphErrorFor(status, 'failed', { requestId: 'r-1' });
      expect(error).toBeInstanceOf(type);
      expect(error).toBeInstanceOf(RunError);
      expect(error).toMatchObject({ code, retryable, status, requestId: 'r-1' });
    }
  });

  it('redacts secrets from the message, and serialises without them', () => {
    const error = graphErrorFor(
      400,
      'Bad body: client_secret=hunter2-value and Authorization: Bearer eyJhbGciOi.eyJ0aWQiOi.sig',
      { graphCode: 'BadRequest', requestId: 'r-2', clientRequestId: 'c-2' },
    );
    const serialised = JSON.stringify(error) + error.message + String(error.stack);
    expect(serialised).not.toContain('hunter2-value');
    expect(serialised).not.toContain('eyJ0aWQiOi');
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'graph.bad_request',
      retryable: false,
      name: 'GraphBadRequestError',
      status: 400,
      graphCode: 'BadRequest',
      requestId: 'r-2',
      clientRequestId: 'c-2',
    });
  });
});
