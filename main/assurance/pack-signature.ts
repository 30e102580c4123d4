// The evidence pack's seal: manifest.json lists every file with its SHA-256, and manifest.jws is a
// compact JWS (RFC 7515) whose payload is exactly manifest.json's bytes, signed with the supplier's
// key (ES256 or RS256), the public key in the header as a JWK (RFC 7517) named by its thumbprint
// (RFC 7638). Why JWS and not XML-DSig or CMS: docs/decisions/0009-evidence-pack-signature.md.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
  type JsonWebKey,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export interface PackKey {
  privateKey: KeyObject;
  alg: 'ES256' | 'RS256';
  jwk: JsonWebKey;
  thumbprint: string;
}

function algOf(key: KeyObject): 'ES256' | 'RS256' {
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048) return 'RS256';
  throw new Error('the signing key must be EC P-256 or RSA of 2048 bits or more');
}

/** RFC 7638: SHA-256 over the JWK's required members in lexical order. */
export function jwkThumbprint(jwk: JsonWebKey): string {
  const members =
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return b64u(createHash('sha256').update(JSON.stringify(members)).digest());
}

export function packKeyFromPem(pem: string): PackKey {
  const privateKey = createPrivateKey(pem);
  const alg = algOf(privateKey);
  const full = createPublicKey(privateKey).export({ format: 'jwk' });
  const jwk: JsonWebKey =
    full.kty === 'EC' ? { kty: 'EC', crv: full.crv, x: full.x, y: full.y } : { kty: 'RSA', n: full.n, e: full.e };
  return { privateKey, alg, jwk, thumbprint: jwkThumbprint(jwk) };
}

/** The supplier key in a PEM file, made (EC P-256, 0600) the first time when asked to. */
export function loadOrCreatePackKey(file: string, create: boolean): PackKey {
  if (!existsSync(file)) {
    if (!create) throw new Error(`no signing key at ${file}`);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  return packKeyFromPem(readFileSync(file, 'utf8'));
}

export function signManifest(manifest: Buffer, key: PackKey): string {
  const header = b64u(
    JSON.stringify({ alg: key.alg, typ: 'JOSE', cty: 'application/json', kid: key.thumbprint, jwk: key.jwk }),
  );
  const input = `${header}.${b64u(manifest)}`;
  const sig =
    key.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), key.privateKey);
  return `${input}.${b64u(sig)}`;
}

/** Checks the JWS over the manifest's exact bytes; the signer's key thumbprint, or why not. */
export function verifyManifestSignature(
  jws: string,
  manifest: Buffer,
): { ok: true; thumbprint: string; alg: string } | { ok: false; problem: string } {
  const parts = jws.trim().split('.');
  if (parts.length !== 3)
    return { ok: false, problem: 'manifest.jws is not a compact JWS (three dot-separated parts)' };
  let header: { alg?: string; jwk?: JsonWebKey; kid?: string };
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as typeof header;
  } catch {
    return { ok: false, problem: 'manifest.jws has a header that is not JSON' };
  }
  if (header.alg !== 'ES256' && header.alg !== 'RS256')
    return { ok: false, problem: `manifest.jws uses ${String(header.alg)}; only ES256 and RS256 are accepted` };
  if (!header.jwk) return { ok: false, problem: 'manifest.jws names no public key (jwk)' };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: header.jwk, format: 'jwk' });
  } catch {
    return { ok: false, problem: 'manifest.jws carries a public key that cannot be read' };
  }
  const input = Buffer.from(`${parts[0]}.${parts[1]}`);
  const sig = Buffer.from(parts[2]!, 'base64url');
  const good =
    header.alg === 'ES256'
      ? verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, sig)
      : verify('sha256', input, key, sig);
  // The signature first: if it holds, manifest.jws is as signed and any difference is manifest.json's.
  if (!good)
    return {
      ok: false,
      problem: 'the signature in manifest.jws is not valid (manifest.jws was changed after signing)',
    };
  if (!Buffer.from(parts[1]!, 'base64url').equals(manifest))
    return { ok: false, problem: 'manifest.json is not the document that was signed (it was changed after signing)' };
  return { ok: true, thumbprint: jwkThumbprint(header.jwk), alg: header.alg };
}
