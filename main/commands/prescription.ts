// Prescribing commands. `prescription.digest` lets a supplier check their own messages: the base64
// SignedInfo that EPS's $prepare would return for a Bundle, computed by Scrip with no service and no card.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { defineCommand } from './registry';
import { prepareDigest, FragmentError } from '../../protocols/eps/fragments';
import { ScripError } from '../errors';

const hash = (alg: 'sha256' | 'sha1', data: string) => createHash(alg).update(data, 'utf8').digest('base64');

export const prescriptionDigest = defineCommand({
  name: 'prescription.digest',
  summary: 'Compute the digest EPS $prepare would return for a prescription Bundle (no service, no card)',
  description: 'The base64 canonical SignedInfo over the Bundle\'s FragmentsToBeHashed, with the canonical fragments themselves so they can be inspected.',
  http: { method: 'POST', path: '/prescriptions/digest' },
  input: z.object({
    bundle: z.record(z.string(), z.unknown()).describe('A FHIR prescription-order Bundle (the CLI reads it from a JSON file)'),
    timestamp: z.string().datetime({ offset: true }).optional().describe('The signing time, as $prepare returns it (default: now)'),
    algorithm: z.enum(['RS256', 'RS1']).default('RS256'),
  }),
  output: z.object({ digest: z.string(), timestamp: z.string(), algorithm: z.enum(['RS256', 'RS1']), signedInfo: z.string(), fragments: z.string() }),
  needs: { scope: 'read' },
  run: async (input) => {
    const timestamp = input.timestamp ?? new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00');
    try {
      const r = prepareDigest(input.bundle, timestamp, input.algorithm, hash);
      return { digest: r.digest, timestamp, algorithm: input.algorithm, signedInfo: r.signedInfo, fragments: r.fragments };
    } catch (e) {
      if (e instanceof FragmentError) throw new ScripError('invalid-input', e.message, { expression: e.expression ?? null }, 'Correct the Bundle and try again.');
      throw e;
    }
  },
});

export const prescriptionCommands = [prescriptionDigest];
