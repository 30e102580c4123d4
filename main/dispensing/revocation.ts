// Revocation of a prescriber's signing certificate, as EPS decides it (certificate-revocation/verify.ts):
// the CRL named by the certificate's CRL distribution point is fetched; a certificate on it is
// revoked if it signed at or after the revocation date, or whatever the date for key, CA or AA
// compromise. Where EPS passes silently when the CRL cannot be fetched, Scrip says "not checked",
// and it believes a CRL only when the certificate's issuer (from the trust bundle) signed it.
import { verify as verifySignature, type X509Certificate } from 'node:crypto';
import { request as httpGet } from 'node:http';
import { request as httpsGet } from 'node:https';
import forge from 'node-forge';
import type { Outcome, Signer } from '../../protocols/eps/signature';

const REASONS = [
  'unspecified',
  'key compromise',
  'CA compromise',
  'affiliation changed',
  'superseded',
  'cessation of operation',
  'certificate hold',
  '',
  'remove from CRL',
  'privilege withdrawn',
  'AA compromise',
];
const ALWAYS_REVOKED = new Set([1, 2, 10]); // keyCompromise, cACompromise, aACompromise
const SIG_HASH: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1',
  '1.2.840.113549.1.1.11': 'sha256',
  '1.2.840.113549.1.1.12': 'sha384',
  '1.2.840.113549.1.1.13': 'sha512',
  '1.2.840.10045.4.3.2': 'sha256',
  '1.2.840.10045.4.3.3': 'sha384',
  '1.2.840.10045.4.3.4': 'sha512',
};

interface RevocationOptions {
  /** PEM of the CA bundle, trusted for https CRL addresses (the sandbox serves its CRLs over TLS). */
  caPem?: string;
  timeoutMs?: number;
}

/** The CRL distribution point URLs of a certificate, and whether it names only a directory. */
function crlDistributionPoints(cert: forge.pki.Certificate): { urls: string[]; directoryOnly: boolean } {
  const ext = cert.getExtension('cRLDistributionPoints') as { value?: string } | null;
  if (!ext?.value) return { urls: [], directoryOnly: false };
  const urls: string[] = [];
  let directory = false;
  const walk = (n: forge.asn1.Asn1): void => {
    if (n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 6 && !n.constructed) urls.push(String(n.value));
    else if (n.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && n.type === 4 && n.constructed) directory = true;
    if (Array.isArray(n.value)) for (const c of n.value) walk(c);
  };
  try {
    walk(forge.asn1.fromDer(ext.value));
  } catch {
    /* unreadable: no addresses */
  }
  return { urls, directoryOnly: !urls.length && directory };
}

function fetchBytes(url: string, opts: RevocationOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const get = u.protocol === 'https:' ? httpsGet : u.protocol === 'http:' ? httpGet : null;
    if (!get) {
      reject(new Error(`${u.protocol} addresses are not fetched`));
      return;
    }
    const req = get(
      u,
      {
        method: 'GET',
        timeout: opts.timeoutMs ?? 5000,
        ...(u.protocol === 'https:' && opts.caPem ? { ca: opts.caPem } : {}),
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`HTTP ${res.statusCode ?? '?'}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 20_000_000) req.destroy(new Error('the CRL is larger than 20 MB'));
          else chunks.push(c);
        });
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${(opts.timeoutMs ?? 5000) / 1000} s`)));
    req.on('error', reject);
    req.end();
  });
}

interface CrlEntry {
  serial: string;
  revokedAt: Date;
  reason: number | null;
}
interface Crl {
  entries: CrlEntry[];
  thisUpdate: Date;
  nextUpdate: Date | null;
}

const timeOf = (n: forge.asn1.Asn1): Date =>
  n.type === forge.asn1.Type.UTCTIME
    ? forge.asn1.utcTimeToDate(String(n.value))
    : forge.asn1.generalizedTimeToDate(String(n.value));
const serialHex = (bytes: string): string =>
  forge.util
    .bytesToHex(bytes)
    .replace(/^0+(?=.)/, '')
    .toLowerCase();

/** A DER CRL read and its signature checked with the issuer's key (throws when either fails). */
function readCrl(der: Buffer, issuer: X509Certificate): Crl {
  const list = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
  const [tbs, alg, sig] = list.value as forge.asn1.Asn1[];
  if (!tbs || !alg || !sig) throw new Error('it is not a CRL');
  const oid = forge.asn1.derToOid(String((alg.value as forge.asn1.Asn1[])[0]!.value));
  const hash = SIG_HASH[oid];
  if (!hash) throw new Error(`its signature algorithm ${oid} is not supported`);
  const tbsDer = Buffer.from(forge.asn1.toDer(tbs).getBytes(), 'binary');
  const signature = Buffer.from(String(sig.value).slice(1), 'binary'); // BIT STRING: drop the unused-bits byte
  if (!verifySignature(hash, tbsDer, issuer.publicKey, signature)) throw new Error("its signature is not the issuer's");
  const fields = tbs.value as forge.asn1.Asn1[];
  let i = fields[0]!.type === forge.asn1.Type.INTEGER ? 1 : 0; // version
  i += 2; // signature algorithm, issuer
  const thisUpdate = timeOf(fields[i++]!);
  let nextUpdate: Date | null = null;
  const next = fields[i];
  if (next && (next.type === forge.asn1.Type.UTCTIME || next.type === forge.asn1.Type.GENERALIZEDTIME)) {
    nextUpdate = timeOf(next);
    i++;
  }
  const entries: CrlEntry[] = [];
  const revoked = fields[i];
  if (revoked && revoked.tagClass === forge.asn1.Class.UNIVERSAL && revoked.type === forge.asn1.Type.SEQUENCE) {
    for (const e of revoked.value as forge.asn1.Asn1[]) {
      const [serial, date, exts] = e.value as forge.asn1.Asn1[];
      let reason: number | null = null;
      for (const x of (exts?.value as forge.asn1.Asn1[] | undefined) ?? []) {
        const [xo, ...rest] = x.value as forge.asn1.Asn1[];
        if (forge.asn1.derToOid(String(xo!.value)) === '2.5.29.21') {
          const inner = forge.asn1.fromDer(String(rest[rest.length - 1]!.value));
          reason = String(inner.value).charCodeAt(0);
        }
      }
      entries.push({ serial: serialHex(String(serial!.value)), revokedAt: timeOf(date!), reason });
    }
  }
  return { entries, thisUpdate, nextUpdate };
}

/**
 * The revocation check for the verifier: `issuerOf` finds the signer's issuing CA in the trust
 * bundle (null: the CRL cannot be believed, so revocation is not checked).
 */
export function crlRevocation(
  issuerOf: (s: Signer) => X509Certificate | null,
  opts: RevocationOptions = {},
): (s: Signer) => Promise<Outcome> {
  return async (s) => {
    const { urls, directoryOnly } = crlDistributionPoints(s.certificate);
    if (!urls.length) {
      return {
        result: 'not-checked',
        detail: directoryOnly
          ? 'Not checked: the certificate names its CRL only by a directory (X.500) name, not an address Scrip can fetch.'
          : 'Not checked: the certificate names no CRL distribution point.',
      };
    }
    const issuer = issuerOf(s);
    if (!issuer)
      return {
        result: 'not-checked',
        detail: `Not checked: the certificate's issuer is not in the trust bundle, so a CRL from ${urls[0]} could not be believed.`,
      };
    const failures: string[] = [];
    for (const url of urls) {
      let crl: Crl;
      try {
        crl = readCrl(await fetchBytes(url, opts), issuer);
      } catch (e) {
        failures.push(`${url}: ${(e as Error).message}`);
        continue;
      }
      const serial = s.certificate.serialNumber.replace(/^0+(?=.)/, '').toLowerCase();
      const entry = crl.entries.find((e) => e.serial === serial);
      if (!entry)
        return { result: 'pass', detail: `Not on the CRL from ${url} (issued ${crl.thisUpdate.toISOString()}).` };
      const why = entry.reason === null ? 'no reason given' : REASONS[entry.reason] || `reason ${entry.reason}`;
      const signedAfter = s.signedAt.getTime() >= entry.revokedAt.getTime();
      if (ALWAYS_REVOKED.has(entry.reason ?? -1))
        return {
          result: 'fail',
          detail: `Revoked on ${entry.revokedAt.toISOString()} for ${why}: a prescription it signed is refused whenever it was signed.`,
        };
      if (signedAfter)
        return {
          result: 'fail',
          detail: `Revoked on ${entry.revokedAt.toISOString()} (${why}), before the prescription was signed (${s.signedAt.toISOString()}).`,
        };
      return {
        result: 'pass',
        detail: `Revoked on ${entry.revokedAt.toISOString()} (${why}), after the prescription was signed (${s.signedAt.toISOString()}): EPS accepts it.`,
      };
    }
    return { result: 'not-checked', detail: `Not checked: the CRL could not be fetched (${failures.join('; ')}).` };
  };
}
