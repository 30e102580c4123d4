// Loopback-only rules every request passes first: the Host must name this server on loopback
// (stops DNS rebinding) and an Origin, when sent, must be Scrip's own (stops other web pages).
function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
}

function allowedOrigins(port: number): Set<string> {
  // Not app://scrip: the Electron window speaks IPC, so a request claiming that origin is someone else.
  return new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`, `http://[::1]:${port}`]);
}

type GuardResult = { ok: true } | { ok: false; reason: string };

export function checkHostAndOrigin(
  headers: { host?: string | undefined; origin?: string | undefined },
  port: number,
): GuardResult {
  const host = (headers.host ?? '').toLowerCase();
  if (!allowedHosts(port).has(host))
    return { ok: false, reason: `Host "${headers.host ?? ''}" is not this loopback server` };
  if (headers.origin !== undefined && !allowedOrigins(port).has(headers.origin.toLowerCase())) {
    return { ok: false, reason: `Origin "${headers.origin}" may not call Scrip` };
  }
  return { ok: true };
}
