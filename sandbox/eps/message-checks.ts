// The CPU-bound part of `$prepare` and `$process-message`: pure functions of the request's text, so
// the sandbox can run them in a worker thread (message-workers.ts) while its event loop serves other
// requests, or in-process when no worker is up. Everything stateful — the session, what was
// prepared, the chain and revocation, storing — stays with the route.
import { prepareDigest, FragmentError, type SignatureAlgorithm } from '../../protocols/eps/fragments';
import { validatePrescriptionOrder } from '../../protocols/eps/validate';
import {
  checkSignatureItself,
  epsSignedInfoOfRead,
  fhirSignedPrescription,
  readSignatureXml,
  withoutProvenance,
  type OwnChecks,
} from '../../protocols/eps/signature';
import type { OperationOutcomeIssue } from '../../protocols/fhir/operation-outcome';
import type { Json } from '../../protocols/fhir/json';
import { nodeHash, nodeSignatureCrypto } from '../ca/signature-crypto';

export interface PrepareJob {
  kind: 'prepare';
  body: string;
  timestamp: string;
  algorithm: SignatureAlgorithm;
}

/** `$prepare`'s answer: the digest, or why the Bundle cannot be prepared (an OperationOutcome's parts). */
type PrepareAnswer = { digest: string } | { refusal: { type: string; text: string; expression?: string } };

export interface OrderJob {
  kind: 'order';
  /** The prescription-order Bundle as sent. */
  body: string;
  /** The requester's Signature XML and its time, when the Bundle has one. */
  signature: { xml: string; when: string } | null;
}

interface OrderAnswer {
  /** EPS-like validation of the Bundle (its Provenance aside). */
  issues: OperationOutcomeIssue[];
  /** The canonical SignedInfo that was signed (null when it cannot be read) and the signature's own checks. */
  signature: { signedInfo: string | null; own: OwnChecks } | null;
}

export type MessageJob = PrepareJob | OrderJob;
export type MessageAnswer<J extends MessageJob> = J extends PrepareJob ? PrepareAnswer : OrderAnswer;

function prepare(job: PrepareJob): PrepareAnswer {
  const refuse = (type: string, text: string, expression?: string): PrepareAnswer => ({
    refusal: { type, text, ...(expression ? { expression } : {}) },
  });
  let parsed: unknown;
  try {
    parsed = JSON.parse(job.body);
  } catch {
    return refuse('invalid', 'The body is not JSON.');
  }
  const bundle = (parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {}) as Json;
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'message')
    return refuse('invalid', 'Expected a Bundle of type message.', 'Bundle.type');
  if (!Array.isArray(bundle.entry)) return refuse('invalid', 'Bundle.entry must be a list of entries.', 'Bundle.entry');
  const header = (bundle.entry as unknown[])
    .map((e) => (e && typeof e === 'object' ? (e as { resource?: unknown }).resource : undefined))
    .find(
      (r): r is { resourceType?: unknown; eventCoding?: { code?: unknown } } =>
        !!r && typeof r === 'object' && (r as { resourceType?: unknown }).resourceType === 'MessageHeader',
    );
  const event = header?.eventCoding && typeof header.eventCoding === 'object' ? header.eventCoding.code : undefined;
  if (event !== 'prescription-order')
    return refuse(
      'value',
      "MessageHeader.eventCoding.code must be 'prescription-order'.",
      'MessageHeader.eventCoding.code',
    );
  try {
    return { digest: prepareDigest(bundle, job.timestamp, job.algorithm, nodeHash).digest };
  } catch (e) {
    if (e instanceof FragmentError) return refuse('value', e.message, e.expression);
    throw e;
  }
}

async function order(job: OrderJob): Promise<OrderAnswer> {
  // The route parsed this text already; parsing it again here costs less than copying the object.
  const bundle = JSON.parse(job.body) as Json;
  const issues = validatePrescriptionOrder(withoutProvenance(bundle));
  // Invalid, the route refuses it for that: the signature is not looked at.
  if (!job.signature || issues.length) return { issues, signature: null };
  // Read once: the same view gives what was signed (compared with what was prepared) and is verified.
  const read = readSignatureXml(job.signature.xml);
  const own = await checkSignatureItself(fhirSignedPrescription(read, bundle, job.signature.when), nodeSignatureCrypto);
  return { issues, signature: { signedInfo: epsSignedInfoOfRead(read), own } };
}

/** Runs one job (in whichever thread calls it). */
export async function runMessageJob<J extends MessageJob>(job: J): Promise<MessageAnswer<J>> {
  return (job.kind === 'prepare' ? prepare(job) : await order(job)) as MessageAnswer<J>;
}
