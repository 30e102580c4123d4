// EPS-style `$prepare`: the canonical SignedInfo over the prescription's FragmentsToBeHashed, at the
// sandbox clock's time, RS256. `?algorithm=RS1` is a test-only knob (EPS has no such parameter: it
// answers RS1 only to applications on its SHA1_ENABLED_APPLICATION_IDS): what it answers lets a test
// or an assurance scenario show SHA-1 refused — by the prescribing system before it signs, and by
// `$process-message` for a SHA-1 signature. The prepared digest is remembered so `$process-message`
// can check that what was signed is what is sent.
import { epsTimestamp, type SignatureAlgorithm } from '../../protocols/eps/fragments';
import { json, type Route } from '../http/router';
import { isRefusal, type SandboxContext } from '../http/context';
import { migrateSandbox } from '../store/db';
import { operationOutcome } from '../pds/pds';
import { OPERATION_ACTIVITIES } from './route-activities';
import { FHIR } from './fhir';

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
      handle: async (req) => {
        const caller = ctx.authorise(req, { activities: OPERATION_ACTIVITIES.$prepare });
        if (isRefusal(caller)) return caller;
        const algorithm: SignatureAlgorithm = req.query.get('algorithm') === 'RS1' ? 'RS1' : 'RS256';
        const timestamp = epsTimestamp(ctx.clock.now());
        const answer = await ctx.messageChecks.run({
          kind: 'prepare',
          body: req.body.toString('utf8'),
          timestamp,
          algorithm,
        });
        if ('refusal' in answer) {
          const { type, text, expression } = answer.refusal;
          return operationOutcome(400, type, 'INVALID_VALUE', text, expression);
        }
        const { digest } = answer;
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
