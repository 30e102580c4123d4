// Keeps test cards and national services apart (hazard H-15 in docs/safety/hazard-log.md): a card
// issued by Scrip's test CA (the virtual card, or any card the sandbox issued) must never sign in to
// an environment that is not a Scrip sandbox, and a card from any other CA (a real NHS card) must never
// be used with a Scrip sandbox. Checked before the PIN is tried or anything is signed; there is no
// setting that turns it off.
import { X509Certificate } from 'node:crypto';
import { ScripError } from '../errors';

/** Every certificate authority a Scrip sandbox creates names itself so (sandbox/ca/test-ca.ts). */
const SANDBOX_CA_NAME = /(?:^|[,\n/]\s*)CN=Scrip Sandbox\b/;

export interface EnvironmentTrust {
  name: string;
  /** The environment's CA bundle (PEM), or null when it trusts the system's CA store. */
  caPem: string | null;
}

/** True when the certificate was issued by a Scrip sandbox CA. */
function issuedByScripSandbox(issuerDn: string): boolean {
  return SANDBOX_CA_NAME.test(issuerDn);
}

/** An environment is a Scrip sandbox when it is the built-in one or its CA bundle is a Scrip sandbox CA. */
export function isScripSandbox(env: EnvironmentTrust): boolean {
  if (env.name === 'sandbox') return true;
  if (!env.caPem) return false;
  const blocks = env.caPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.some((pem) => {
    try {
      return issuedByScripSandbox(new X509Certificate(pem).subject);
    } catch {
      return false;
    }
  });
}

/** Throws `wrong-environment` when the card and the environment must not meet. */
export function checkCardForEnvironment(card: { issuer: string }, env: EnvironmentTrust): void {
  const testCard = issuedByScripSandbox(card.issuer);
  const sandbox = isScripSandbox(env);
  if (testCard && !sandbox) {
    throw new ScripError(
      'wrong-environment',
      `This is a Scrip test card: it cannot be used with "${env.name}", which is not a Scrip sandbox.`,
      { card: 'test', environment: env.name },
      'Use your own NHS smartcard here, or choose the Scrip sandbox in Settings to use the test card.',
    );
  }
  if (!testCard && sandbox) {
    throw new ScripError(
      'wrong-environment',
      `This card was not issued by the Scrip sandbox: a real NHS smartcard is never used with "${env.name}".`,
      { card: 'live', environment: env.name },
      'Use the Scrip virtual test card with the sandbox, or choose your national environment in Settings.',
    );
  }
}
