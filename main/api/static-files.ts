// Serves the built renderer (browser mode) with the same strict CSP as the Electron window.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { ScripError } from '../errors';

export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.json': 'application/json',
  '.map': 'application/json',
  '.pdf': 'application/pdf',
};

/**
 * The file under `root` a URL path names, or null when the path escapes `root` (the check ends in a
 * separator, so `root-old/` is outside `root`). A bad %-escape is invalid input (400), not a crash.
 */
export function staticFilePath(root: string, urlPath: string): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath === '/' ? '/index.html' : urlPath);
  } catch {
    throw new ScripError('invalid-input', `The path ${urlPath} has a bad %-escape.`, undefined, 'Check the address.');
  }
  if (rel.includes('\0')) return null;
  const base = normalize(root).replace(/[\\/]+$/, '');
  const file = normalize(join(base, rel));
  return file.startsWith(base + sep) ? file : null;
}

/** Reads a file under `root` for a URL path; null when it does not exist or escapes the root. */
export async function readStatic(root: string, urlPath: string): Promise<{ body: Buffer; type: string } | null> {
  const file = staticFilePath(root, urlPath);
  if (!file) return null;
  try {
    const s = await stat(file);
    if (!s.isFile()) return null;
    return { body: await readFile(file), type: types[extname(file)] ?? 'application/octet-stream' };
  } catch {
    return null;
  }
}
