// Public API of the sandbox test CA; see test-ca.ts.
export { openTestCa, isUserId, TestCaError } from './test-ca';
export { defaultCaDir } from './paths';
export { signingCertificateTrust } from './signing-trust';
export type { TestCa, IssuedCertificate } from './test-ca';
