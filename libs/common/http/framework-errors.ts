import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  PROBLEM_CONTENT_TYPE,
  problemTitle,
  problemType,
  type ProblemDetails,
} from '#libs/common/errors';
import { SECURITY_HEADERS } from './security-headers.js';

/** The errors Fastify's router answers before any hook runs (a malformed URL, an overlong id). */
const ROUTER_ERRORS: Record<string, { status: number; detail: string }> = {
  FST_ERR_BAD_URL: { status: 400, detail: 'The URL is not valid.' },
  FST_ERR_MAX_PARAM_LENGTH: {
    status: 414,
    detail: 'A path parameter is longer than any id of this API.',
  },
};

/**
 * Fastify's `frameworkErrors`: the router's own refusals as problem+json (not Fastify's JSON
 * shape), with the request id and the security headers (no hook has run to set them). The path
 * is not echoed: it is whatever the client sent.
 */
export function answerFrameworkError(
  error: Error & { code?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const known = ROUTER_ERRORS[error.code ?? ''] ?? { status: 400, detail: 'Bad request.' };
  const problem: ProblemDetails = {
    type: problemType(undefined),
    title: problemTitle(known.status),
    status: known.status,
    detail: known.detail,
    requestId: String(request.id),
  };
  void reply
    .status(known.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('x-request-id', request.id)
    .headers(SECURITY_HEADERS)
    .send(problem);
}

const SECURITY_HEAD_LINES = Object.entries(SECURITY_HEADERS)
  .map(([name, value]) => `${name}: ${value}\r\n`)
  .join('');

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses (headers too large, a malformed
 * request, a client too slow) never reaches a route, yet is answered problem+json too.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : 400;
  if (socket.writable) {
    const body = JSON.stringify({
      type: problemType(undefined),
      title: problemTitle(status),
      status,
      detail: status === 431 ? 'The request headers are too large.' : 'The request is malformed.',
    } satisfies ProblemDetails);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n${SECURITY_HEAD_LINES}` +
        `Connection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
