/**
 * The web client's files (dist/web, built by compile.sh), read once at start and served from
 * memory. Only the files found then exist: a request names one of them exactly or gets 404,
 * so no path a client sends can reach anything else on disk.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/web beside dist/cli, whether this runs from dist/ or (in tests) from src/. */
export const defaultWebRoot = fileURLToPath(new URL('../../dist/web/', import.meta.url));

const types: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/**
 * The page may load only its own script and style and talk only to its own origin (the
 * WebSocket at /ws): even a message that slipped past the client's text-only rendering could
 * not run a script or load anything.
 */
const pagePolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

export class StaticFiles {
  private readonly files = new Map<string, StaticFile>();

  /** Reads every file under `root`; a missing root leaves the set empty (not built yet). */
  constructor(readonly root: string) {
    let names: string[];
    try {
      names = readdirSync(root, { recursive: true, encoding: 'utf8' });
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(root, name);
      const type = types[path.extname(name)];
      if (type === undefined || !statSync(file).isFile()) continue;
      const url = `/${name.split(path.sep).join('/')}`;
      this.files.set(url, { body: readFileSync(file), type });
    }
    const index = this.files.get('/index.html');
    if (index !== undefined) this.files.set('/', index);
  }

  get size(): number {
    return this.files.size;
  }

  /** GET and HEAD of a known file; 404, 405, or 503 while the client is not built. */
  serve(req: IncomingMessage, res: ServerResponse): void {
    const url = (req.url ?? '/').split('?')[0] ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    const file = this.files.get(url);
    if (file === undefined) {
      if (this.files.size === 0 && url === '/') {
        plain(res, 503, 'the web client is not built: run ./compile.sh\n');
      } else {
        plain(res, 404, 'not found\n');
      }
      return;
    }
    res.writeHead(200, {
      'Content-Type': file.type,
      'Content-Length': file.body.length,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      ...(file.type.startsWith('text/html') ? { 'Content-Security-Policy': pagePolicy } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  }
}

export function plain(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(text);
}
