// Raw ECDSA over P-256 for the virtual card. A PIV card signs a hash the host computed; Node's
// crypto.sign always hashes its input, so the card does the curve arithmetic itself (BigInt,
// random k). Test card only: this is not constant-time.
import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';

const p = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const a = p - 3n;
const G: Point = [
  0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
];
type Point = [bigint, bigint] | null;

const mod = (x: bigint, m: bigint): bigint => ((x % m) + m) % m;
function inv(x: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(x, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0, m);
}
function add(P: Point, Q: Point): Point {
  if (!P) return Q;
  if (!Q) return P;
  if (P[0] === Q[0]) {
    if (mod(P[1] + Q[1], p) === 0n) return null;
    const l = (mod(3n * P[0] * P[0] + a, p) * inv(2n * P[1], p)) % p;
    const x = mod(l * l - 2n * P[0], p);
    return [x, mod(l * (P[0] - x) - P[1], p)];
  }
  const l = (mod(Q[1] - P[1], p) * inv(Q[0] - P[0], p)) % p;
  const x = mod(l * l - P[0] - Q[0], p);
  return [x, mod(l * (P[0] - x) - P[1], p)];
}
function mul(k: bigint, P: Point): Point {
  let R: Point = null;
  let Q = P;
  while (k > 0n) {
    if (k & 1n) R = add(R, Q);
    Q = add(Q, Q);
    k >>= 1n;
  }
  return R;
}
const big = (b: Uint8Array): bigint => (b.length ? BigInt(`0x${Buffer.from(b).toString('hex')}`) : 0n);
function derInt(x: bigint): Buffer {
  let h = x.toString(16);
  if (h.length % 2) h = `0${h}`;
  let b = Buffer.from(h, 'hex');
  if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return Buffer.concat([Buffer.from([0x02, b.length]), b]);
}

/** The private scalar of a P-256 key. */
export function p256Scalar(key: KeyObject | string): bigint {
  const jwk = (typeof key === 'string' ? createPrivateKey(key) : key).export({ format: 'jwk' });
  if (jwk.crv !== 'P-256' || !jwk.d) throw new Error('not a P-256 private key');
  return big(Buffer.from(jwk.d, 'base64url'));
}

/** ECDSA signature (DER Ecdsa-Sig-Value) over a hash; hashes longer than 32 bytes are truncated. */
export function signP256Hash(d: bigint, hash: Uint8Array): Buffer {
  const e = big(hash.subarray(0, 32));
  for (;;) {
    const k = mod(big(randomBytes(40)), n - 1n) + 1n;
    const R = mul(k, G);
    if (!R) continue;
    const r = mod(R[0], n);
    if (r === 0n) continue;
    const s = mod(inv(k, n) * (e + r * d), n);
    if (s === 0n) continue;
    const body = Buffer.concat([derInt(r), derInt(s)]);
    return Buffer.concat([Buffer.from([0x30, body.length]), body]);
  }
}
