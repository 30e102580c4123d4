// The names of EPS's signature checks, in its order: apart from the verifier so that a command's
// schema can list them without loading the XML and crypto code that makes the checks.
export type CheckId = 'format' | 'one-certificate' | 'signature' | 'digest' | 'chain' | 'validity' | 'revocation';

export const CHECK_NAMES: Record<CheckId, string> = {
  format: 'Signature format',
  'one-certificate': 'Exactly one certificate',
  signature: 'RSA signature over SignedInfo',
  digest: 'Signature matches the prescription (digest)',
  chain: 'Certificate chain to the trust bundle',
  validity: 'Certificate valid at signing time',
  revocation: 'Revocation',
};
