// The agent's log file: pino JSON lines in <data dir>/logs/scrip.log (owner-only), rotated by size,
// secrets removed by field name before a line is written, at any of the first three levels of
// nesting: a PIN, a token, a key or a cookie never reaches the file, whoever logs it. Only the
// processes that write a log load pino (the CLI working in-process does not need it).
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger, type LevelWithSilent } from 'pino';
import { setLogger } from './log';

/** Field names whose values are secrets. */
const SECRET_FIELDS = [
  'pin',
  'newPin',
  'currentPin',
  'puk',
  'token',
  'accessToken',
  'ticket',
  'key',
  'apiKey',
  'secret',
  'password',
  'authorization',
  'cookie',
  'privateKey',
  'keyPem',
] as const;
const REDACT_PATHS = SECRET_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);
export const REDACTED = '[redacted]';

export interface LogDestination {
  write(line: string): void;
}

/**
 * Appends to `file`, and when it would grow past `maxBytes`, shifts scrip.log → scrip.log.1 → … and
 * drops the oldest beyond `keep`. Writes are synchronous: a line logged just before a crash is on disk.
 */
export class RotatingFile implements LogDestination {
  #fd: number;
  #size: number;
  constructor(
    readonly file: string,
    readonly maxBytes = 5 * 1024 * 1024,
    readonly keep = 5,
  ) {
    this.#fd = openSync(file, 'a', 0o600);
    this.#size = fstatSync(this.#fd).size;
  }
  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    if (this.#size > 0 && this.#size + bytes > this.maxBytes) this.#rotate();
    writeSync(this.#fd, line);
    this.#size += bytes;
  }
  close(): void {
    closeSync(this.#fd);
  }
  #rotate(): void {
    closeSync(this.#fd);
    rmSync(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--)
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    renameSync(this.file, `${this.file}.1`);
    this.#fd = openSync(this.file, 'a', 0o600);
    this.#size = 0;
  }
}

/** A logger writing to `destination` at `level`, secrets redacted. */
export function createLogger(
  destination: LogDestination,
  level: LevelWithSilent = (process.env.SCRIP_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info',
): Logger {
  return pino({ level, base: { pid: process.pid }, redact: { paths: REDACT_PATHS, censor: REDACTED } }, destination);
}

let file: RotatingFile | null = null;

/** Sends this process's log to <dataDir>/logs/scrip.log; returns the file's path. */
export function logToDataDir(dataDir: string): string {
  const dir = join(dataDir, 'logs');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  file?.close();
  file = new RotatingFile(join(dir, 'scrip.log'));
  setLogger(createLogger(file));
  return file.file;
}
