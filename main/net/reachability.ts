// Can a service be reached, and would Scrip trust it? Step by step, so a failure names its step:
// DNS, TCP connect, the TLS handshake checked against the environment's CA bundle (trusted, in date,
// for this host name), then an HTTP answer. Used by `environments.check` and the diagnostics report.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { connect as tlsConnect, checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import { request as httpsRequest } from 'node:https';

export const failureKinds = [
  'dns',
  'refused',
  'unreachable',
  'timeout',
  'untrusted',
  'expired',
  'not-yet-valid',
  'wrong-name',
  'tls',
  'http',
] as const;
type FailureKind = (typeof failureKinds)[number];

interface ProbeCertificate {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
}

export interface ProbeResult {
  url: string;
  ok: boolean;
  failure: FailureKind | null;
  /** One sentence for a person: what happened, or what answered. */
  detail: string;
  httpStatus: number | null;
  ms: number;
  /** What the server presented, even when it is not trusted (so the user can see what is wrong). */
  certificate: ProbeCertificate | null;
}

interface ProbeOptions {
  /** PEM trust anchors; none means the system's. */
  caPem?: string | null;
  /** For each step. */
  timeoutMs?: number;
}

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

class ProbeFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly certificate: ProbeCertificate | null = null,
  ) {
    super(message);
  }
}

function nameOf(n: Record<string, string | string[] | undefined> | undefined): string {
  if (!n) return '';
  return Object.entries(n)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ');
}

function certOf(c: PeerCertificate): ProbeCertificate | null {
  if (!c || !c.subject) return null;
  return {
    subject: nameOf(c.subject as unknown as Record<string, string>),
    issuer: nameOf(c.issuer as unknown as Record<string, string>),
    validFrom: new Date(c.valid_from).toISOString(),
    validTo: new Date(c.valid_to).toISOString(),
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string, onTimeout: () => void = () => undefined): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      onTimeout();
      reject(new ProbeFailure('timeout', `no answer to ${what} within ${ms} ms`));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

function networkFailure(e: NodeJS.ErrnoException, host: string, port: number): ProbeFailure {
  switch (e.code) {
    case 'ECONNREFUSED':
      return new ProbeFailure('refused', `${host}:${port} refused the connection (nothing listens there)`);
    case 'ETIMEDOUT':
      return new ProbeFailure('timeout', `the connection to ${host}:${port} timed out`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new ProbeFailure('unreachable', `${host} cannot be reached from this network (${e.code})`);
    case 'ECONNRESET':
    case 'EPIPE':
      return new ProbeFailure(
        'tls',
        `${host}:${port} closed the connection during the TLS handshake (${e.code}); is it an HTTPS service?`,
      );
    default:
      return new ProbeFailure('tls', `${host}:${port}: ${e.message}`);
  }
}

/** DNS → TCP → TLS (verified by hand, so the certificate is known even when it fails). */
async function handshake(u: URL, opts: Required<ProbeOptions>): Promise<ProbeCertificate | null> {
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const port = Number(u.port || 443);
  let address = host;
  if (!isIP(host)) {
    try {
      address = (await withTimeout(lookup(host), opts.timeoutMs, `the DNS lookup of ${host}`)).address;
    } catch (e) {
      if (e instanceof ProbeFailure) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new ProbeFailure('dns', `the name ${host} could not be resolved (${code ?? 'DNS error'})`);
    }
  }
  let socket: TLSSocket | undefined;
  const secure = new Promise<TLSSocket>((resolve, reject) => {
    socket = tlsConnect({
      host: address,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      ...(opts.caPem ? { ca: opts.caPem } : {}),
      // Checked below, step by step, to say exactly what is wrong; nothing is sent on this socket.
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
    socket.once('secureConnect', () => resolve(socket!));
    socket.once('error', (e: NodeJS.ErrnoException) => reject(networkFailure(e, host, port)));
  });
  try {
    const s = await withTimeout(secure, opts.timeoutMs, `the connection and TLS handshake with ${host}:${port}`, () =>
      socket?.destroy(),
    );
    const peer = s.getPeerCertificate();
    const cert = certOf(peer);
    const err = s.authorizationError as unknown as string | Error | null;
    const code = err ? (typeof err === 'string' ? err : ((err as NodeJS.ErrnoException).code ?? err.message)) : null;
    const presented = cert ? ` (it presented "${cert.subject}", issued by "${cert.issuer}")` : '';
    if (code === 'CERT_HAS_EXPIRED')
      throw new ProbeFailure(
        'expired',
        `the certificate of ${host} expired on ${cert?.validTo ?? 'an earlier date'}${presented}`,
        cert,
      );
    if (code === 'CERT_NOT_YET_VALID')
      throw new ProbeFailure(
        'not-yet-valid',
        `the certificate of ${host} is not valid before ${cert?.validFrom ?? 'a later date'}; check this computer's clock${presented}`,
        cert,
      );
    const anchors = opts.caPem ? "a CA in this environment's CA bundle" : 'a CA this computer trusts';
    if (code && UNTRUSTED.has(code))
      throw new ProbeFailure(
        'untrusted',
        `certificate not trusted: ${host}'s certificate was not issued by ${anchors} (${code})${presented}`,
        cert,
      );
    if (code) throw new ProbeFailure('tls', `the TLS certificate of ${host} was refused (${code})${presented}`, cert);
    const nameError = checkServerIdentity(host, peer);
    if (nameError)
      throw new ProbeFailure('wrong-name', `the certificate is for another name: ${nameError.message}`, cert);
    return cert;
  } finally {
    socket?.destroy();
  }
}

/** An HTTP answer over a verified connection: any status counts as "answered". */
function httpAnswer(u: URL, opts: Required<ProbeOptions>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      u,
      {
        method: 'GET',
        agent: false,
        timeout: opts.timeoutMs,
        ...(opts.caPem ? { ca: opts.caPem } : {}),
        headers: { accept: '*/*' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', (e) => reject(new ProbeFailure('http', `the answer broke off: ${e.message}`)));
      },
    );
    req.on('timeout', () => req.destroy(new ProbeFailure('timeout', `no HTTP answer within ${opts.timeoutMs} ms`)));
    req.on('error', (e) =>
      reject(e instanceof ProbeFailure ? e : new ProbeFailure('http', `no HTTP answer: ${e.message}`)),
    );
    req.end();
  });
}

/** Probes one https URL; never throws. */
export async function probeService(url: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  const o: Required<ProbeOptions> = { caPem: opts.caPem ?? null, timeoutMs: opts.timeoutMs ?? 5000 };
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let certificate: ProbeCertificate | null = null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:') throw new ProbeFailure('tls', `${url} is not an https address`);
    certificate = await handshake(u, o);
    const status = await httpAnswer(u, o);
    return {
      url,
      ok: true,
      failure: null,
      detail:
        status < 400
          ? `answered over trusted TLS in ${ms()} ms`
          : // A base address need not be a page: any HTTP answer proves the service is there and trusted.
            `reachable over trusted TLS in ${ms()} ms (its base address answers HTTP ${status}, as a service's usually does)`,
      httpStatus: status,
      ms: ms(),
      certificate,
    };
  } catch (e) {
    const f = e instanceof ProbeFailure ? e : new ProbeFailure('tls', e instanceof Error ? e.message : String(e));
    return {
      url,
      ok: false,
      failure: f.kind,
      detail: f.message,
      httpStatus: null,
      ms: ms(),
      certificate: f.certificate ?? certificate,
    };
  }
}
