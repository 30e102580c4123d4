// A started sandbox (real HTTPS, its own CA, SQLite under a temp dir) with scripted sessions for a
// prescriber, colleagues and two pharmacies, and prescriptions made from NHS England's example,
// signed without a card ($prepare, then an RSA key certified by the sandbox's Signing CA).
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox } from '../../../sandbox/server';
import { seedDirectory, type Directory } from '../../../sandbox/directory/directory';
import { assembleSignature, provenanceEntry } from '../../../protocols/eps/signature';
import { longFormId, shortFormId } from '../../../protocols/ids/prescription-id';
import { testNhsNumber } from '../../../protocols/ids/nhs-number';
import { httpsClient, type Reply } from '../support/sandbox-client';
import { epsAcuteExample } from '../../support/fixtures';

type Json = Record<string, unknown>;
const example = epsAcuteExample;

/** Who the tests act as: user, role profile and the role's organisation. */
export const PEOPLE = {
  prescriber: { user: '555086689106', role: '200102238987', ods: 'A83008' },
  nurse: { user: '555086690109', role: '200102240001', ods: 'A83008' },
  otherPractice: { user: '555086693105', role: '200102240005', ods: 'B81012' },
  admin: { user: '555086692103', role: '200102240003', ods: 'A83008' },
  pharmacist: { user: '555086691101', role: '200102240002', ods: 'FCG71' },
  otherPharmacist: { user: '555086694107', role: '200102240004', ods: 'FA565' },
} as const;
export type Person = keyof typeof PEOPLE;

/** The seeded directory plus a pharmacist at FA565 and a prescriber at another practice. */
function directory(): Directory {
  const d = JSON.parse(JSON.stringify(seedDirectory)) as Directory;
  d.users.push(
    {
      id: '555086694107',
      name: { prefix: 'MS', given: ['NIA'], family: 'OKAFOR' },
      professionalCode: { system: 'gphc', value: '2081234' },
      telecom: '0191 3780101',
      roles: [
        {
          id: '200102240004',
          orgCode: 'FA565',
          jobRoleCode: 'S8000:G8000:R8003',
          jobRoleName: '"Clinical":"Clinical Provision":"Health Professional Access Role"',
          activities: ['B0570', 'B0572', 'B0401'],
        },
      ],
    },
    {
      id: '555086693105',
      name: { prefix: 'DR', given: ['SAM'], family: 'HOLT' },
      professionalCode: { system: 'gmc', value: '7012345' },
      telecom: '01482 344701',
      roles: [
        {
          id: '200102240005',
          orgCode: 'B81012',
          jobRoleCode: 'S8000:G8000:R8000',
          jobRoleName: '"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"',
          activities: ['B0278', 'B0420', 'B0401'],
          prescriptionType: '0101',
        },
      ],
    },
  );
  return d;
}

export interface Made {
  bundle: Json;
  shortId: string;
  longId: string;
  items: string[];
  nhsNumber: string;
}

export class LifecycleSandbox {
  sb!: RunningSandbox;
  readonly dir = mkdtempSync(join(tmpdir(), 'scrip-eps-life-'));
  #tokens = new Map<Person, string>();
  #key: KeyObject | null = null;
  #certDer: Buffer | null = null;
  #sequence = 0;

  async start(): Promise<this> {
    writeFileSync(join(this.dir, 'users.json'), JSON.stringify(directory(), null, 2));
    this.sb = await startSandbox({ dataDir: this.dir });
    return this;
  }

  /** Stops the server and starts it again on the same data directory (sessions survive too). */
  async restart(): Promise<void> {
    await this.sb.close();
    this.sb = await startSandbox({ dataDir: this.dir });
  }

  async close(): Promise<void> {
    await this.sb?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  token(who: Person): string {
    let t = this.#tokens.get(who);
    if (!t) {
      const s = this.sb.context.broker.scriptedSession(PEOPLE[who].user, PEOPLE[who].role);
      assert.ok(typeof s !== 'string', String(s));
      t = s.token;
      this.#tokens.set(who, t);
    }
    return t;
  }

  /** One HTTPS request as a person (Bearer + NHSD-Session-URID), JSON body, an X-Request-ID. */
  async call(
    who: Person,
    method: string,
    path: string,
    body?: unknown,
    requestId: string = randomUUID(),
  ): Promise<Reply & { json: Json }> {
    const send = httpsClient(this.sb.baseUrl, this.sb.caCertPath);
    const r = await send(path, {
      method,
      headers: {
        authorization: `Bearer ${this.token(who)}`,
        'nhsd-session-urid': PEOPLE[who].role,
        'x-request-id': requestId,
        ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
      },
      ...(body !== undefined
        ? { body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body) }
        : {}),
    });
    let json: Json = {};
    try {
      json = JSON.parse(r.body) as Json;
    } catch {
      /* left empty: the test looks at status and body */
    }
    return { ...r, json };
  }

  /** A fresh prescription from the example: new IDs, `items` line items, nominated to `nominated`. */
  make(opts: { items?: number; nominated?: string; nhsNumber?: string } = {}): Made {
    let text = readFileSync(example, 'utf8');
    const original = JSON.parse(text) as Json;
    const mrs = (original.entry as Json[])
      .map((e) => e.resource as Json)
      .filter((r) => r.resourceType === 'MedicationRequest');
    const oldItems = mrs.map((m) => String((m.identifier as Json[])[0]!.value));
    const oldLong = String((((mrs[0]!.groupIdentifier as Json).extension as Json[])[0]!.valueIdentifier as Json).value);
    const shortId = shortFormId('A83008', ++this.#sequence, randomBytes(3).readUIntBE(0, 3));
    const longId = longFormId(randomBytes(16));
    const items: string[] = oldItems.map(() => randomUUID());
    const nhsNumber = opts.nhsNumber ?? testNhsNumber(randomBytes(3).readUIntBE(0, 3));
    text = text
      .replaceAll('24F5DA-A83008-7EFE6Z', shortId)
      .replaceAll(oldLong, longId)
      .replaceAll('"FA565"', `"${opts.nominated ?? 'FCG71'}"`)
      .replaceAll('5839945242', nhsNumber);
    oldItems.forEach((old, k) => {
      text = text.replaceAll(old, items[k]!);
    });
    const bundle = JSON.parse(text) as Json;
    bundle.id = randomUUID();
    bundle.identifier = { system: 'https://tools.ietf.org/html/rfc4122', value: randomUUID() };
    const keep = items.slice(0, opts.items ?? 2);
    bundle.entry = (bundle.entry as Json[]).filter(
      (e) =>
        (e.resource as Json).resourceType !== 'MedicationRequest' ||
        keep.includes(String(((e.resource as Json).identifier as Json[])[0]!.value)),
    );
    const header = (bundle.entry as Json[])[0]!.resource as Json;
    header.focus = (header.focus as Json[]).filter(
      (f) => !items.some((i) => String(f.reference).includes(i)) || keep.some((i) => String(f.reference).includes(i)),
    );
    return { bundle, shortId, longId, items: keep, nhsNumber };
  }

  /** A signing key and certificate for the prescriber, from the sandbox's Signing CA. */
  signer(fresh = false): { key: KeyObject; der: Buffer; serial: string } {
    if (fresh || !this.#key) {
      const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const cert = this.sb.context.ca.issueSigningCertificate({
        userId: PEOPLE.prescriber.user,
        displayName: 'BOIN',
        publicKey,
      });
      if (fresh) return { key: privateKey, der: cert.der, serial: cert.serial };
      this.#key = privateKey;
      this.#certDer = cert.der;
    }
    return { key: this.#key, der: this.#certDer!, serial: '' };
  }

  /** $prepare, sign the digest, add the Provenance: the bundle as $process-message takes it. */
  async sign(bundle: Json, signer = this.signer()): Promise<Json> {
    const r = await this.call('prescriber', 'POST', '/FHIR/R4/$prepare', bundle);
    assert.equal(r.status, 200, r.body);
    const p = r.json as { parameter: Array<{ name: string; valueString: string }> };
    const digest = p.parameter.find((x) => x.name === 'digest')!.valueString,
      timestamp = p.parameter.find((x) => x.name === 'timestamp')!.valueString;
    const xml = assembleSignature(
      digest,
      sign('sha256', Buffer.from(digest, 'base64'), signer.key).toString('base64'),
      signer.der.toString('base64'),
    );
    const entries = bundle.entry as Json[];
    const mr = entries.map((e) => e.resource as Json).find((x) => x.resourceType === 'MedicationRequest')!;
    const prov = provenanceEntry({
      id: randomUUID(),
      requesterReference: (mr.requester as Json).reference as string,
      targetReferences: entries
        .filter((e) => (e.resource as Json).resourceType === 'MedicationRequest')
        .map((e) => e.fullUrl as string),
      recorded: timestamp,
      signedAt: timestamp,
      signatureXml: xml,
    });
    return { ...bundle, entry: [...entries, prov] };
  }

  /** Make, sign and send a prescription; it is accepted. */
  async send(
    opts: Parameters<LifecycleSandbox['make']>[0] & { signer?: ReturnType<LifecycleSandbox['signer']> } = {},
  ): Promise<Made> {
    const made = this.make(opts);
    made.bundle = await this.sign(made.bundle, opts.signer);
    const r = await this.call('prescriber', 'POST', '/FHIR/R4/$process-message', made.bundle);
    assert.equal(r.status, 200, r.body);
    return made;
  }
}
