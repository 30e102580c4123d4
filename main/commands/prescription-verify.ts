// `prescription.verify`: a prescriber's signature checked as EPS checks it, one named verdict per
// check — what EPSAT offered suppliers until 2023. A pure computation on its input (and CRLs when
// a trust bundle is given), so the CLI runs it in-process with no agent.
import { z } from 'zod';
import { defineCommand } from './registry';
import { ScripError } from '../errors';
import { CHECK_NAMES } from '../../protocols/eps/check-names';

const check = z.object({
  id: z.enum(Object.keys(CHECK_NAMES) as [keyof typeof CHECK_NAMES, ...Array<keyof typeof CHECK_NAMES>]),
  name: z.string(),
  result: z.enum(['pass', 'fail', 'not-checked']),
  detail: z.string().describe('One sentence: what was found'),
  epsError: z
    .string()
    .nullable()
    .describe('EPS\'s own words when this check fails ("Signature doesn\'t match prescription", …)'),
});

export const prescriptionVerify = defineCommand({
  name: 'prescription.verify',
  summary: "Check a signed prescription's signature as EPS does, check by check (no service, no card)",
  description: `Input: a FHIR prescription-order Bundle with its Provenance signature, or an HL7 v3 ParentPrescription (XML). Checks, in EPS's order: ${Object.values(CHECK_NAMES).join('; ')}. The XML is read as EPS reads it (whitespace-only text removed before canonicalising; decision 0004). With a trust bundle the chain is checked and the CRL named by the certificate is fetched; a CRL that cannot be fetched is "not-checked", never a pass.`,
  http: { method: 'POST', path: '/prescriptions/verification' },
  input: z.object({
    prescription: z
      .string()
      .min(1)
      .max(2_000_000)
      .describe('The signed prescription as text: FHIR Bundle (JSON) or HL7 v3 ParentPrescription (XML)'),
    trust: z
      .string()
      .max(1_000_000)
      .optional()
      .describe('PEM CA certificates trusted for the chain and the CRLs (without it both are not checked)'),
    revocation: z.boolean().default(true).describe("Fetch the CRL named by the signer's certificate (needs trust)"),
  }),
  output: z.object({
    verdict: z
      .enum(['valid', 'invalid', 'not-fully-checked'])
      .describe('invalid: a check failed; not-fully-checked: none failed but some were not made'),
    kind: z.enum(['fhir', 'hl7v3']),
    prescriptionId: z.string().nullable(),
    signedAt: z.string().nullable(),
    algorithm: z.enum(['RS256', 'RS1']).nullable(),
    signer: z.object({ subject: z.string(), serial: z.string(), validTo: z.string() }).nullable(),
    checks: z.array(check),
    errors: z.array(z.string()).describe("EPS's words for each failed check"),
  }),
  needs: { scope: 'read' },
  local: 'always',
  cli: { files: { file: 'prescription', trust: 'trust' } },
  errors: ['invalid-input'],
  run: async (input) => {
    // The verifier (XML, crypto) loads when a prescription is checked, not with the command list.
    const [{ verifySignedText }, { SignedInputError }] = await Promise.all([
      import('../dispensing/verify'),
      import('../../protocols/eps/signed-prescription'),
    ]);
    try {
      return await verifySignedText(input.prescription, {
        ...(input.trust ? { trustPem: input.trust } : {}),
        revocation: input.revocation,
      });
    } catch (e) {
      if (e instanceof SignedInputError)
        throw new ScripError(
          'invalid-input',
          e.message,
          undefined,
          'Give a signed FHIR prescription-order Bundle (JSON) or an HL7 v3 ParentPrescription (XML).',
        );
      throw e;
    }
  },
});
