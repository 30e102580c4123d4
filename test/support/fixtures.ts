// Data files the tests use, vendored under test/fixtures/ with their licence and source, so the
// repository stands alone.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** NHS England's public EPS FHIR API example messages (test/fixtures/eps-examples/README.md). */
export const epsExamples = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'eps-examples');

/** NHS England's acute, nominated-pharmacy prescription by a medical prescriber: the one most tests send. */
export const epsAcuteExample = join(
  epsExamples,
  'primary-care',
  'acute',
  'nominated-pharmacy',
  'medical-prescriber',
  '1-Prepare-Request-200_OK.json',
);
