import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  OperationRunDto,
  type OperationRun,
  type OperationRunsService,
  type RunEventsService,
} from '#libs/operation-runs';

const logger = new Logger('RunEventStream');

/**
 * An event's id names the run's state it carries (a digest of it), so a client that comes back
 * with `Last-Event-ID` is sent the state only if it changed since: a run's event stream is the
 * latest state, not a log (states passed while it was away are not replayed).
 */
function stateId(dto: OperationRunDto): string {
  const { status, outcome, summaryCounts, failures, context, attempts, completedAt } = dto;
  return createHash('sha256')
    .update(
      JSON.stringify([status, outcome, summaryCounts, failures, context, attempts, completedAt]),
    )
    .digest('base64url')
    .slice(0, 22);
}

/**
 * `GET /operations/{id}/events` (Server-Sent Events): the run's state now, then each change, as
 * `event: run` with the run as `GET /operations/{id}` shows it; when the run has completed,
 * `event: end` and the stream closes. A comment every EVENTS_HEARTBEAT_SECONDS keeps proxies
 * from closing an idle stream. Authorisation (404/403) happened before, in the access guard.
 */
export async function streamRunEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  runId: string,
  deps: { runs: OperationRunsService; events: RunEventsService; heartbeatSeconds: number },
): Promise<void> {
  const raw = reply.raw;
  reply.headers({
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no', // nginx: pass events on as they come
  });
  reply.hijack();
  // With those the app's hooks set (security headers, x-request-id): all are strings.
  raw.writeHead(200, reply.getHeaders() as Record<string, string>);
  raw.flushHeaders();
  const header = request.headers['last-event-id'];
  let lastSent = typeof header === 'string' ? header : null;
  let ended = false;
  let stop: () => void = () => undefined;
  const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), deps.heartbeatSeconds * 1000);

  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    stop();
    raw.end();
  };
  const send = (run: OperationRun) => {
    if (ended) return;
    const dto = OperationRunDto.from(run);
    const id = stateId(dto);
    if (id !== lastSent) {
      lastSent = id;
      raw.write(`id: ${id}\nevent: run\ndata: ${JSON.stringify(dto)}\n\n`);
    }
    if (run.status === 'completed') {
      raw.write(
        `event: end\ndata: ${JSON.stringify({ id: run.id, status: run.status, outcome: run.outcome })}\n\n`,
      );
      end();
    }
  };
  raw.on('close', end);
  // Watch first, then read: a change made between the two is not lost (at worst sent twice,
  // and the second is dropped as the same state).
  try {
    stop = await deps.events.watch(runId, { change: send, close: end });
    if (ended) stop();
    else send(await deps.runs.get(runId));
  } catch (error) {
    // The answer has begun (200 and its headers): the failure is told in the stream.
    logger.error({ err: error, runId, requestId: request.id }, 'Run event stream failed');
    raw.write(
      `event: error\ndata: ${JSON.stringify({ detail: 'The run could not be read.' })}\n\n`,
    );
    end();
  }
}
