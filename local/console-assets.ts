/**
 * The web console (web/, built into web/dist by `npm run build:ui`, which `npm start` and
 * `npm test` run first when the bundle is missing or older than its source), served by the
 * local gateway at /ui on the API's own origin, so the console calls the API with no CORS.
 * Static files only, no token needed to fetch them (the API still wants one), nothing outside
 * the bundle's folder reachable, and `config.json` written here: local sign-in (paste a token).
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { ServerResponse } from 'node:http';

export const CONSOLE_PATH = '/ui';
export const CONSOLE_DIST = join(__dirname, '..', 'web', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** What the bundle may load: itself and the API on the same origin; no inline script, no frames. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

export interface ConsoleAssets {
  dir: string;
  /** The console's config.json (auth.ts ConsoleConfig). */
  config: Record<string, unknown>;
}

export function localConsole(dir = CONSOLE_DIST): ConsoleAssets {
  return { dir, config: { mode: 'local', apiUrl: '' } };
}

/** Answers a GET under /ui; returns the status sent. */
export async function serveConsole(assets: ConsoleAssets, pathname: string, res: ServerResponse): Promise<number> {
  const send = (status: number, type: string, body: string | Buffer, cache = 'no-cache') => {
    res.writeHead(status, { 'content-type': type, 'cache-control': cache, 'content-security-policy': CONSOLE_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
    res.end(body);
    return status;
  };
  if (pathname === CONSOLE_PATH) {
    res.writeHead(308, { location: `${CONSOLE_PATH}/` });
    res.end();
    return 308;
  }
  const rest = pathname.slice(CONSOLE_PATH.length + 1) || 'index.html';
  if (rest === 'config.json') return send(200, TYPES['.json']!, JSON.stringify(assets.config));
  if (!existsSync(join(assets.dir, 'index.html')))
    return send(503, 'text/plain; charset=utf-8', 'The console is not built: run `npm run build:ui` (npm start and npm test build it when it is missing).');
  let file: string;
  try {
    file = normalize(join(assets.dir, decodeURIComponent(rest)));
  } catch {
    return send(400, 'text/plain; charset=utf-8', 'bad path');
  }
  if (!file.startsWith(assets.dir + sep)) return send(404, 'text/plain; charset=utf-8', 'not found');
  try {
    const body = await readFile(file);
    // Vite names assets by content hash: they never change under their name.
    return send(200, TYPES[extname(file)] ?? 'application/octet-stream', body, rest.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
  } catch {
    return send(404, 'text/plain; charset=utf-8', 'not found');
  }
}
