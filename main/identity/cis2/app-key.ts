// The application's private key for `private_key_jwt` client assertions (RS512), kept only in the
// OS keychain as PKCS#8 PEM; environments.json holds just its key ID. Imported for Web Crypto
// (oauth4webapi) and usable by jose alike.
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { ScripError } from '../../errors';
import { KeychainUnavailableError, type Keychain } from '../../../native/keychain/keychain';

export interface AppKey {
  key: webcrypto.CryptoKey;
  kid: string;
}

export function appKeyAccount(dataDir: string, environment: string): string {
  return `apim-key:${dataDir}:${environment}`;
}

function noKeychain(e: KeychainUnavailableError): ScripError {
  return new ScripError(
    'no-keychain',
    `The application's signing key for this environment cannot be read: ${e.message}.`,
    undefined,
    'Start or unlock a keychain for this desktop session (on Linux a Secret Service such as gnome-keyring) and log in again.',
  );
}

/**
 * The key for an environment, as a non-extractable RS512 signing key, with its kid (the configured
 * one, else its RFC 7638 thumbprint) and public JWK. Not stored: not-found, or made when `create`
 * (the embedded sandbox, which then registers the public half).
 */
export async function loadAppKey(
  keychain: Keychain,
  account: string,
  opts: { kid?: string | undefined; create?: boolean } = {},
): Promise<AppKey & { jwk: Record<string, unknown> }> {
  let pem: string | null;
  try {
    pem = keychain.getAsync ? await keychain.getAsync(account) : keychain.get(account);
    if (!pem && opts.create) {
      await createAppKey(keychain, account);
      pem = keychain.get(account);
    }
  } catch (e) {
    if (e instanceof KeychainUnavailableError) throw noKeychain(e);
    throw e;
  }
  if (!pem)
    throw new ScripError(
      'not-found',
      'This environment has no application key in the keychain.',
      { account },
      'Save the environment again with its application private key (environments save --apimKeyPem …).',
    );
  const priv = createPrivateKey(pem);
  const jwk = createPublicKey(priv).export({ format: 'jwk' });
  const kid = opts.kid ?? thumbprint(jwk);
  const key = await webcrypto.subtle.importKey(
    'pkcs8',
    priv.export({ type: 'pkcs8', format: 'der' }),
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-512' },
    false,
    ['sign'],
  );
  return { key, kid, jwk: { ...jwk, kid, alg: 'RS512', use: 'sig' } };
}

/** RFC 7638 thumbprint of an RSA public JWK. */
function thumbprint(jwk: { e?: string; n?: string }): string {
  return createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n }))
    .digest('base64url');
}

/** What is wrong with a pasted application key, in words for the person who pasted it; null if it will do. */
export function appKeyProblem(pem: string): string | null {
  if (/-----BEGIN [A-Z ]*CERTIFICATE-----/.test(pem) && !/PRIVATE KEY-----/.test(pem))
    return 'The application key is a certificate, not a private key: paste the RSA private key (-----BEGIN PRIVATE KEY-----) registered with APIM.';
  let priv;
  try {
    priv = createPrivateKey(pem);
  } catch {
    return 'The application key is not a PEM private key: paste the RSA private key (-----BEGIN PRIVATE KEY-----) registered with APIM.';
  }
  if (priv.asymmetricKeyType !== 'rsa' || (priv.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    return 'The application key must be an RSA key of at least 2048 bits (APIM signs with RS512).';
  return null;
}

/** Stores a PEM private key and returns its public JWK and kid (the RFC 7638 thumbprint unless given). */
export function storeAppKey(
  keychain: Keychain,
  account: string,
  pem: string,
  kid?: string,
): { kid: string; jwk: Record<string, unknown> } {
  let priv;
  try {
    priv = createPrivateKey(pem);
  } catch {
    throw new ScripError(
      'invalid-input',
      'The application key is not a PEM private key.',
      undefined,
      'Paste the RSA private key (-----BEGIN PRIVATE KEY-----) registered with the API platform.',
    );
  }
  if (priv.asymmetricKeyType !== 'rsa' || (priv.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
    throw new ScripError('invalid-input', 'The application key must be an RSA key of at least 2048 bits (RS512).');
  const jwk = createPublicKey(priv).export({ format: 'jwk' });
  const id = kid ?? thumbprint(jwk);
  try {
    keychain.set(account, priv.export({ type: 'pkcs8', format: 'pem' }).toString());
  } catch (e) {
    if (e instanceof KeychainUnavailableError) throw noKeychain(e);
    throw e;
  }
  return { kid: id, jwk: { ...jwk, kid: id, alg: 'RS512', use: 'sig' } };
}

/** A new 4096-bit key (NHS England's API platform asks for RSA 4096), stored; its public JWK.
 *  Made off the event loop: it takes seconds, and the agent keeps answering meanwhile. */
async function createAppKey(
  keychain: Keychain,
  account: string,
): Promise<{ kid: string; jwk: Record<string, unknown> }> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: 4096 });
  return storeAppKey(keychain, account, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}
