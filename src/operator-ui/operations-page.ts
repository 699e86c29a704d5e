import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where `npm run build` puts the page (scripts/build-ui.mjs): `dist/ui`, beside `dist/src` when
 * the app runs built, and under the repository's `dist/` when tests run the sources.
 */
function pageDirectory(): string | null {
  for (const candidate of ['../../ui/', '../../dist/ui/']) {
    const path = fileURLToPath(new URL(candidate, import.meta.url));
    // The built page has its vendor modules (`ui/` itself, the sources, does not).
    if (existsSync(`${path}index.html`) && existsSync(`${path}vendor/preact.module.js`))
      return path;
  }
  return null;
}

/**
 * The page's Content-Security-Policy: its own scripts, styles and API only, and the one inline
 * script it has (the import map), by hash.
 */
function contentSecurityPolicy(directory: string): string {
  const html = readFileSync(`${directory}index.html`, 'utf8');
  const hashes = [...html.matchAll(/<script type="importmap">([\s\S]*?)<\/script>/g)].map(
    (match) => `'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'`,
  );
  return [
    "default-src 'none'",
    `script-src 'self' ${hashes.join(' ')}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The read-only operations page at `/ui/` (static files; everything it shows comes from the API
 * with the token the user signs in with). Without a build (`npm run build`), `/ui/` is a 404.
 */
export async function serveOperationsPage(app: NestFastifyApplication): Promise<void> {
  const directory = pageDirectory();
  if (!directory) return;
  const csp = contentSecurityPolicy(directory);
  // `/ui` → `/ui/`, so that the page's relative URLs resolve under it.
  app
    .getHttpAdapter()
    .getInstance()
    .get('/ui', (_request, reply) => reply.redirect('/ui/', 301));
  await app.register(fastifyStatic, {
    root: directory,
    prefix: '/ui/',
    decorateReply: false,
    index: ['index.html'],
    setHeaders: (response) => {
      response.header('content-security-policy', csp);
      response.header('x-content-type-options', 'nosniff');
      response.header('referrer-policy', 'no-referrer');
      response.header('cache-control', 'no-cache');
    },
  });
}
