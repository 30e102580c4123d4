// EPS-style `$prepare`: the canonical SignedInfo over the prescription's FragmentsToBeHashed, at the
// sandbox clock's time, RS256. `?algorithm=RS1` is a test-only knob (EPS has no such parameter: it
// answers RS1 only to applications on its SHA1_ENABLED_APPLICATION_IDS): what it answers lets a test
// or an assurance scenario show SHA-1 refused — by the prescribing system before it signs, and by
// `$process-message` for a SHA-1 signature. The prepared digest is remembered so `$process-message`
// can check that what was signed is what is sent.
import { createHash } from 'node:crypto';
import { prepareDigest, FragmentError, epsTimestamp, type SignatureAlgorithm } from '../../protocols/eps/fragments';
import { json, type Route } from '../http/router';
import { isRefusal, type SandboxContext } from '../http/context';
import { migrateSandbox } from '../store/db';
import { operationOutcome } from '../pds/pds';
import { OPERATION_ACTIVITIES } from './route-activities';

const hash = (alg: 'sha256' | 'sha1', data: string) => createHash(alg).update(data, 'utf8').digest('base64');

const FHIR = 'application/fhir+json';

export function prepareRoutes(ctx: SandboxContext): Route[] {
  migrateSandbox(
    ctx.db,
    'eps-prepared-1',
    'CREATE TABLE eps_prepared (digest TEXT PRIMARY KEY, timestamp TEXT NOT NULL, algorithm TEXT NOT NULL, user_id TEXT NOT NULL, prepared_at TEXT NOT NULL)',
  );
  const remember = ctx.db.prepare(
    'INSERT OR REPLACE INTO eps_prepared (digest, timestamp, algorithm, user_id, prepared_at) VALUES (?, ?, ?, ?, ?)',
  );
  return [
    {
      method: 'POST',
      path: '/FHIR/R4/$prepare',
      handle: (req) => {
        const caller = ctx.authorise(req, { activities: OPERATION_ACTIVITIES.$prepare });
        if (isRefusal(caller)) return caller;
        let parsed: unknown;
        try {
          parsed = JSON.parse(req.body.toString('utf8'));
        } catch {
          return operationOutcome(400, 'invalid', 'INVALID_VALUE', 'The body is not JSON.');
        }
        const bundle = (parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {}) as Record<
          string,
          unknown
        >;
        if (bundle.resourceType !== 'Bundle' || bundle.type !== 'message')
          return operationOutcome(400, 'invalid', 'INVALID_VALUE', 'Expected a Bundle of type message.', 'Bundle.type');
        if (!Array.isArray(bundle.entry))
          return operationOutcome(
            400,
            'invalid',
            'INVALID_VALUE',
            'Bundle.entry must be a list of entries.',
            'Bundle.entry',
          );
        const header = (bundle.entry as unknown[])
          .map((e) => (e && typeof e === 'object' ? (e as { resource?: unknown }).resource : undefined))
          .find(
            (r): r is { resourceType?: unknown; eventCoding?: { code?: unknown } } =>
              !!r && typeof r === 'object' && (r as { resourceType?: unknown }).resourceType === 'MessageHeader',
          );
        if (
          (header?.eventCoding && typeof header.eventCoding === 'object' ? header.eventCoding.code : undefined) !==
          'prescription-order'
        )
          return operationOutcome(
            400,
            'value',
            'INVALID_VALUE',
            "MessageHeader.eventCoding.code must be 'prescription-order'.",
            'MessageHeader.eventCoding.code',
          );
        const algorithm: SignatureAlgorithm = req.query.get('algorithm') === 'RS1' ? 'RS1' : 'RS256';
        const timestamp = epsTimestamp(ctx.clock.now());
        let digest: string;
        try {
          digest = prepareDigest(bundle, timestamp, algorithm, hash).digest;
        } catch (e) {
          if (e instanceof FragmentError)
            return operationOutcome(400, 'value', 'INVALID_VALUE', e.message, e.expression);
          throw e;
        }
        remember.run(digest, timestamp, algorithm, caller.userId, ctx.clock.now().toISOString());
        return json(
          200,
          {
            resourceType: 'Parameters',
            parameter: [
              { name: 'digest', valueString: digest },
              { name: 'timestamp', valueString: timestamp },
              { name: 'algorithm', valueString: algorithm },
            ],
          },
          FHIR,
        );
      },
    },
  ];
}
