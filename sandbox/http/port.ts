// Which loopback port the sandbox listens on, decided before anything is issued: the CA writes the
// sandbox's address into every certificate's CRL distribution point, so it must be the real one,
// and it should stay the same across restarts (old certificates keep pointing at a live CRL).
import { createServer } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';

/** The port in the CA's recorded base URL (`<ca dir>/ca.json`), if any. */
export function recordedPort(caStateFile: string): number | null {
  if (!existsSync(caStateFile)) return null;
  try {
    const port = Number(
      new URL((JSON.parse(readFileSync(caStateFile, 'utf8')) as { baseUrl?: string }).baseUrl ?? '').port,
    );
    return Number.isInteger(port) && port > 0 ? port : null;
  } catch {
    return null;
  }
}

/** `preferred` if it is free on 127.0.0.1, else one the OS picks. */
export async function freePort(preferred: number | null): Promise<number> {
  const tryPort = (p: number) =>
    new Promise<number | null>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(null));
      s.listen(p, '127.0.0.1', () => {
        const got = (s.address() as { port: number }).port;
        s.close(() => resolve(got));
      });
    });
  return (preferred !== null ? await tryPort(preferred) : null) ?? (await tryPort(0)) ?? 0;
}
