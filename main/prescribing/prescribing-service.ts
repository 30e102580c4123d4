// The prescription pad's engine: drafts saved on every change; signing that checks what the card is
// about to sign against Scrip's own digest before the card is used; the durable outbox; the token.
//   sign: IDs → Bundle → EPS $prepare → Scrip's own digest must equal the service's → the card's
//   signing key signs the canonical SignedInfo → XML-DSig + Provenance → outbox (committed) → send.
// What happens after sending lives apart: cancellation-service.ts (cancel at EPS) and
// tracking-service.ts (the EPS tracker).
import { createHash, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ScripError, toScripError } from '../errors';
import type { EventBus } from '../events';
import type { AuditLog } from '../store/audit';
import type { CardService } from '../card/card-service';
import type { IdentityService } from '../identity/identity-service';
import { epsTimestamp, prepareDigest } from '../../protocols/eps/fragments';
import { nodeHash } from './node-hash';
import { assembleSignature, provenanceEntry } from '../../protocols/eps/signature';
import { buildPrescriptionBundle, type PrescriptionIds } from './bundle';
import { draftContent, fieldInWords, type DraftContent, type PrescriberContext } from './model';
import type { PrescriptionStore, PrescriptionRecord } from './store';
import type { EpsClient } from './eps-client';
import type { Outbox } from './outbox';
import { shortFormId, newLongFormId } from './ids';
import { renderToken } from './token';
import { cancelWriteKey } from './cancellation-service';
import { prescriptionChanged } from './prescription-changed';
import type { PrescriptionItemView, SignOutcome } from './views';
import { contextFromSettings, type PrescriberSettingsStore, type PrescriberSettings } from './prescriber-settings';
import type { ItemState } from './store';
import { PrescribingTimings } from './timings';
import { logFailure } from '../log';
import { validatePrescriptionOrder } from '../../protocols/eps/validate';
import { refusalOf, type Refusal } from './refusal';

export interface PrescribingDeps {
  store: PrescriptionStore;
  cards: CardService;
  identity: IdentityService;
  events: EventBus;
  audit: AuditLog;
  eps: () => EpsClient;
  outbox: Outbox;
  /** Prescriber and organisation details from a directory (the sandbox's); null when the environment has none. */
  prescriber: ((auth: { token: string; roleProfileId: string; userId: string }) => Promise<PrescriberContext>) | null;
  /** Prescriber and organisation details the user keeps per role (used first when present). */
  settings: PrescriberSettingsStore;
  hasDirectory?: () => boolean;
  /** dm+d, to check every item's code before signing. */
  medicines?: { index(): Promise<{ byCode(code: string): { name: string; invalid: boolean } | null }> };
  timings?: PrescribingTimings;
}

/** A draft as saved, or invalid-input naming each bad field in words (nothing is saved then). */
function parseDraft(content: unknown): DraftContent {
  const r = draftContent.safeParse(content ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => ({
    field: ['draft', ...i.path].join('.'),
    message: `${fieldInWords(i.path) || 'Draft'}: ${i.message}`,
  }));
  throw new ScripError(
    'invalid-input',
    problems.map((p) => p.message).join(' '),
    { problems },
    'Correct these fields; nothing was saved.',
  );
}

type Auth = { token: string; roleProfileId: string; userId: string };
type Session = ReturnType<IdentityService['requireRole']>;
const errorOut = (e: unknown) => {
  const err = toScripError(e);
  return { code: err.code, message: err.message, action: err.action };
};

export class PrescribingService {
  /** Where the time of signing and sending goes (card, service, all): benchmarks read it. */
  readonly timings: PrescribingTimings;
  constructor(private readonly d: PrescribingDeps) {
    this.timings = d.timings ?? new PrescribingTimings();
  }

  create(content: unknown): PrescriptionRecord {
    const draft = parseDraft(content);
    const owner = this.d.identity.view().user?.id ?? null;
    return prescriptionChanged(this.d.events, this.d.store.createDraft(draft, owner));
  }

  update(id: string, content: unknown): PrescriptionRecord {
    const draft = parseDraft(content);
    const r = this.d.store.saveDraft(id, draft);
    if (!r) {
      if (!this.d.store.get(id)) throw new ScripError('not-found', `There is no prescription ${id}.`);
      throw new ScripError(
        'bad-state',
        'This prescription has been signed and can no longer change.',
        { id },
        'Cancel it and write a new one if it is wrong.',
      );
    }
    return prescriptionChanged(this.d.events, r);
  }

  /** EPS's reasons for refusing a prescription, issue by issue (null unless it was refused). */
  refusal(id: string): Refusal | null {
    const r = this.get(id);
    return r.status === 'rejected' ? refusalOf(r.serviceStatus, r.serviceResponse) : null;
  }

  /**
   * A new draft with the same patient, treatment and items ("write again", "prescribe again"): the
   * items get new line IDs, as every prescription's must be its own, and the patient is confirmed again.
   */
  copy(id: string): PrescriptionRecord {
    const from = this.get(id).draft;
    const draft: DraftContent = {
      ...from,
      patientConfirmed: false,
      items: from.items.map((it) => ({ ...it, lineId: randomUUID() })),
    };
    const r = this.create(draft);
    this.d.audit.append(this.d.identity.view().user?.id ?? 'local', 'prescription.copy', { id: r.id, from: id });
    return r;
  }

  /**
   * The next issue of a repeat (repeat prescribing) as a new draft, from an earlier issue signed in
   * Scrip — its template: same items and review date, new line IDs, the patient confirmed again.
   * Refused for anything but a signed repeat, and once the authorisation's review date has passed.
   */
  reissue(id: string, today = new Date().toISOString().slice(0, 10)): PrescriptionRecord {
    const from = this.get(id);
    if (from.draft.treatmentType !== 'repeat-prescribing' || from.status === 'draft') {
      throw new ScripError(
        'bad-state',
        'Only a signed repeat prescription can be re-issued.',
        { id, status: from.status, treatmentType: from.draft.treatmentType },
        'Use prescribe again (prescription.copy) for any other prescription.',
      );
    }
    if (from.draft.reviewDate && from.draft.reviewDate < today) {
      throw new ScripError(
        'bad-state',
        `This repeat was due for review on ${from.draft.reviewDate}, so it cannot be re-issued as it is.`,
        { id, reviewDate: from.draft.reviewDate },
        'Review it with the patient, then prescribe again with a new review date.',
      );
    }
    const draft: DraftContent = {
      ...from.draft,
      patientConfirmed: false,
      items: from.draft.items.map((it) => ({ ...it, lineId: randomUUID() })),
    };
    const r = this.create(draft);
    this.d.audit.append(this.d.identity.view().user?.id ?? 'local', 'prescription.reissue', { id: r.id, from: id });
    return r;
  }

  get(id: string): PrescriptionRecord {
    const r = this.d.store.get(id);
    if (!r) throw new ScripError('not-found', `There is no prescription ${id}.`);
    return r;
  }

  /** Throws a draft away (audited). A signed prescription is never deleted: it can be cancelled. */
  discard(id: string): void {
    const r = this.get(id);
    if (r.status !== 'draft' || !this.d.store.deleteDraft(id)) {
      throw new ScripError(
        'bad-state',
        'Only a draft can be discarded.',
        { id, status: r.status },
        'A signed prescription stays on record; cancel it instead.',
      );
    }
    this.d.audit.append(this.d.identity.view().user?.id ?? 'local', 'prescription.discard', { id });
    this.d.events.emit('prescription.changed', { id, status: 'discarded', shortFormId: null, lastError: null });
  }

  /**
   * What the card will sign for this draft: the canonical FragmentsToBeHashed that Scrip builds from
   * the draft and the role's prescriber details, with the prescription IDs it will be signed with.
   * Only the signing time is set later (by EPS's $prepare): it is shown with a stand-in, named in
   * `placeholders`. At signing Scrip rebuilds the same text and refuses a digest from EPS that
   * differs from it.
   */
  async preview(id: string): Promise<{ fragments: string; timestamp: string; placeholders: string[] }> {
    const rec = this.get(id);
    if (rec.status !== 'draft')
      throw new ScripError('bad-state', 'This prescription is already signed.', { id, status: rec.status });
    const problems = await this.check(rec.draft);
    if (problems.length) throw new ScripError('invalid-input', problems.join(' '), { problems });
    const prescriber = await this.prescriberFor(this.d.identity.requireRole());
    const ids = this.#idsFor(id, prescriber.organisation.odsCode);
    const bundle = buildPrescriptionBundle(rec.draft, prescriber, ids, {
      startDate: new Date().toISOString().slice(0, 10),
    });
    checkEpsRules(bundle);
    const timestamp = epsTimestamp(new Date());
    const { fragments } = prepareDigest(bundle, timestamp, 'RS256', nodeHash);
    return {
      fragments,
      timestamp,
      placeholders: [`signing time ${timestamp} (EPS sets it when the card signs; the start date is that day)`],
    };
  }

  /** problems() plus the dm+d check of every item's code. */
  async check(draft: DraftContent): Promise<string[]> {
    const p = this.problems(draft);
    if (!this.d.medicines) return p;
    const index = await this.d.medicines.index();
    draft.items.forEach((it, i) => {
      const found = index.byCode(it.medication.code);
      const n = `Item ${i + 1} (${it.medication.display})`;
      if (!found)
        p.push(
          `${n}: dm+d has no medicine with the code ${it.medication.code}; choose it again from the medicines search.`,
        );
      else if (found.invalid)
        p.push(`${n}: the dm+d code ${it.medication.code} is no longer valid; choose the medicine again.`);
    });
    return p;
  }

  /** What a prescriber must fix before signing, in their words. */
  problems(draft: DraftContent): string[] {
    const p: string[] = [];
    if (!draft.patient) p.push('Choose the patient.');
    else if (!draft.patientConfirmed) p.push("Confirm the patient's identity.");
    if (!draft.items.length) p.push('Add at least one item.');
    draft.items.forEach((it, i) => {
      const n = `Item ${i + 1} (${it.medication.display})`;
      if (!(it.quantity.value > 0)) p.push(`${n}: the quantity must be more than zero.`);
      if (Math.round(it.quantity.value * 100) !== it.quantity.value * 100)
        p.push(`${n}: the quantity can have at most 2 decimal places.`);
      if (!it.dosageText.trim()) p.push(`${n}: add dosage instructions.`);
      if (it.controlledDrug && !it.controlledDrug.quantityWords.trim())
        p.push(`${n}: a controlled drug needs its quantity in words.`);
    });
    if (draft.treatmentType === 'repeat-dispensing' && !draft.repeats)
      p.push('Repeat dispensing needs the number of issues and the days between them.');
    // EPS refuses a prescription whose items differ in expected supply duration (one per prescription).
    if (draft.treatmentType !== 'repeat-dispensing' && new Set(draft.items.map((it) => it.supplyDays)).size > 1) {
      p.push(
        `Every item must be for the same number of days (EPS takes one supply duration per prescription): ${draft.items.map((it, i) => `item ${i + 1} ${it.supplyDays} days`).join(', ')}. Make them the same, or write separate prescriptions.`,
      );
    }
    return p;
  }

  /** Who is prescribing for the session's role: the user's saved settings, else the directory. */
  async prescriberFor(session: Session): Promise<PrescriberContext> {
    const saved = this.d.settings.get(session.role.id);
    const userName = this.d.identity.view().user?.name ?? null;
    if (saved) return contextFromSettings(saved, { userId: session.userId, userName, role: session.role });
    if (!this.d.prescriber) {
      throw new ScripError(
        'bad-state',
        `Your prescriber and organisation details for the role at ${session.role.orgName} are not set.`,
        { roleProfileId: session.role.id, missing: 'prescriber-details' },
        'Enter them once in Settings → Prescriber details (or scrip prescriber set); they are kept on this computer for this role.',
      );
    }
    const auth = { token: session.token, roleProfileId: session.role.id, userId: session.userId };
    return this.timings.onService(() => this.d.prescriber!(auth));
  }

  prescriberSettings(roleProfileId: string): PrescriberSettings | null {
    return this.d.settings.get(roleProfileId);
  }

  /** Whether the environment has a directory that gives prescriber details (the sandbox). */
  hasDirectory(): boolean {
    return this.d.hasDirectory?.() ?? false;
  }

  /** Forgets the saved details of a role (the sandbox's directory answers again). */
  clearPrescriberSettings(roleProfileId: string, userId: string | null): boolean {
    const gone = this.d.settings.delete(roleProfileId);
    if (gone) this.d.audit.append(userId ?? 'local', 'prescriber.clear', { roleProfileId });
    return gone;
  }

  setPrescriberSettings(roleProfileId: string, userId: string | null, value: unknown): PrescriberSettings {
    const saved = this.d.settings.set(roleProfileId, userId, value);
    this.d.audit.append(userId ?? 'local', 'prescriber.set', { roleProfileId });
    return saved;
  }

  /**
   * Signs and queues one or more drafts. Every draft is prepared and checked first (EPS $prepare,
   * Scrip's own digest); then all are signed in one hold of the card, the PIN (given once) presented
   * for each signature the card demands it for; each signature is committed to the outbox as it
   * arrives. One item's failure does not stop the others, except a card or PIN failure, after which
   * the rest are left as drafts with that reason. Nothing is lost: every ID gets a result.
   */
  async sign(ids: string[], pin?: string): Promise<SignOutcome[]> {
    const t0 = performance.now();
    // A prescribing role is checked by invokeCommand (needs.activity of prescription.sign).
    const session = this.d.identity.requireRole();
    const auth: Auth = { token: session.token, roleProfileId: session.role.id, userId: session.userId };
    const prescriber = await this.prescriberFor(session);
    const results = new Map<string, SignOutcome>();
    this.d.outbox.hold();
    try {
      await this.#signAll(ids, prescriber, auth, pin, results);
    } finally {
      this.d.outbox.release();
    }
    this.d.outbox.flush().catch(logFailure('sending the signed batch failed; the outbox timer tries again'));
    this.timings.total += performance.now() - t0;
    return [...new Set(ids)].map((id) => results.get(id)!);
  }

  async #signAll(
    ids: string[],
    prescriber: PrescriberContext,
    auth: Auth,
    pin: string | undefined,
    results: Map<string, SignOutcome>,
  ): Promise<void> {
    const fail = (id: string, e: unknown) =>
      results.set(id, {
        id,
        ok: false,
        status: this.d.store.get(id)?.status ?? 'unknown',
        shortFormId: null,
        error: errorOut(e),
      });
    const prepared: Prepared[] = [];
    const unique = [...new Set(ids)];
    for (const [n, id] of unique.entries()) {
      try {
        prepared.push(await this.#prepare(id, prescriber, auth));
      } catch (e) {
        fail(id, e);
        // A session EPS no longer accepts fails every item the same way.
        if (toScripError(e).code === 'unauthenticated') {
          for (const rest of unique.slice(n + 1)) fail(rest, e);
          break;
        }
      }
    }
    if (prepared.length) {
      const tc = performance.now();
      const signed = await this.d.cards.signMany({
        kind: 'sign',
        pin,
        items: prepared.map((p) => ({
          hash: createHash(p.alg).update(p.signedInfo, 'utf8').digest(),
          algorithm: p.alg,
        })),
        onSigned: (i, r) => {
          const p = prepared[i]!;
          try {
            results.set(p.id, this.#commit(p, r.signature, r.certificate, auth));
          } catch (e) {
            fail(p.id, e);
          }
        },
      });
      this.timings.card += performance.now() - tc;
      signed.forEach((r, i) => {
        if (r instanceof ScripError) fail(prepared[i]!.id, r);
      });
    }
  }

  async #prepare(id: string, prescriber: PrescriberContext, auth: Auth): Promise<Prepared> {
    const rec = this.get(id);
    if (rec.status !== 'draft')
      throw new ScripError('bad-state', 'This prescription is already signed.', { id, status: rec.status });
    const problems = await this.check(rec.draft);
    if (problems.length) throw new ScripError('invalid-input', problems.join(' '), { problems });
    const ids = this.#idsFor(id, prescriber.organisation.odsCode);
    const bundle = buildPrescriptionBundle(rec.draft, prescriber, ids, {
      startDate: new Date().toISOString().slice(0, 10),
    });
    checkEpsRules(bundle); // before EPS or the card: what EPS would refuse is never signed
    const prepared = await this.timings.onService(() => this.d.eps().prepare(bundle, auth));
    // SHA-256 is the minimum for a prescription signature (prescribing SCAL 2.1.3). Scrip signs with
    // the algorithm $prepare returns (SCAL 2.3.4) or not at all: EPS answers RS1 only to legacy
    // applications on its SHA-1 list, which a new system is never on.
    if (prepared.algorithm !== 'RS256')
      throw new ScripError(
        'service-error',
        `EPS asked for a ${prepared.algorithm} (SHA-1) signature. Scrip signs prescriptions with SHA-256 (RS256) at least, so nothing was signed.`,
        { id, algorithm: prepared.algorithm },
        "Report this to your system supplier: the service's $prepare should answer RS256.",
      );
    // Scrip computes what it signs itself: if the service's digest differs, nothing is signed.
    const mine = prepareDigest(bundle, prepared.timestamp, prepared.algorithm, nodeHash);
    if (mine.digest !== prepared.digest) {
      throw new ScripError(
        'service-error',
        'EPS asked to sign something other than this prescription: its digest does not match the one Scrip computed. Nothing was signed.',
        { id },
        'Report this to your system supplier; do not sign until it is resolved.',
      );
    }
    return {
      id,
      items: rec.draft.items.length,
      bundle,
      ids,
      digest: prepared.digest,
      timestamp: prepared.timestamp,
      signedInfo: Buffer.from(prepared.digest, 'base64').toString('utf8'),
      alg: 'sha256',
    };
  }

  /**
   * The IDs a draft is signed with, fixed the first time they are needed (the review, or signing) so
   * the review shows the real ones. A draft signed for another organisation gets new ones: the
   * short-form ID names the organisation.
   */
  #idsFor(id: string, odsCode: string): PrescriptionIds {
    const kept = this.d.store.reservedIds(id);
    if (kept?.odsCode === odsCode) return kept.ids;
    const ids: PrescriptionIds = {
      shortFormId: shortFormId(odsCode, this.d.store.nextSequence(odsCode)),
      longFormId: newLongFormId(),
      bundleId: randomUUID(),
      messageHeaderId: randomUUID(),
      patientId: randomUUID(),
      practitionerRoleId: randomUUID(),
      practitionerId: randomUUID(),
      organisationId: randomUUID(),
      communicationId: randomUUID(),
    };
    this.d.store.reserveIds(id, { odsCode, ids });
    return ids;
  }

  #commit(p: Prepared, signature: Uint8Array, certificate: Uint8Array, auth: Auth): SignOutcome {
    const xml = assembleSignature(
      p.digest,
      Buffer.from(signature).toString('base64'),
      Buffer.from(certificate).toString('base64'),
    );
    const entries = p.bundle.entry as Array<{ fullUrl: string; resource: { resourceType: string } }>;
    entries.push(
      provenanceEntry({
        id: randomUUID(),
        requesterReference: `urn:uuid:${p.ids.practitionerRoleId}`,
        signatureXml: xml,
        recorded: p.timestamp,
        signedAt: p.timestamp,
        targetReferences: entries.filter((e) => e.resource.resourceType === 'MedicationRequest').map((e) => e.fullUrl),
      }) as unknown as { fullUrl: string; resource: { resourceType: string } },
    );
    const committed = this.d.store.commitSigned(p.id, {
      bundle: JSON.stringify(p.bundle),
      shortFormId: p.ids.shortFormId,
      longFormId: p.ids.longFormId,
    });
    this.d.audit.append(auth.userId, 'prescription.sign', {
      id: p.id,
      shortFormId: p.ids.shortFormId,
      roleProfileId: auth.roleProfileId,
      items: p.items,
    });
    prescriptionChanged(this.d.events, committed);
    return { id: p.id, ok: true, status: committed.status, shortFormId: p.ids.shortFormId };
  }

  /** Sends what is waiting in the outbox now; resolves when this pass is done. */
  async send(): Promise<void> {
    await this.d.outbox.flush();
  }

  /** The printed token (PDF) of a signed prescription. */
  async token(id: string): Promise<Uint8Array> {
    const rec = this.get(id);
    if (!rec.shortFormId || !rec.bundle)
      throw new ScripError('bad-state', 'Only a signed prescription has a token.', { id, status: rec.status });
    if (rec.status === 'rejected')
      throw new ScripError(
        'bad-state',
        'EPS refused this prescription, so it has no token: a pharmacy could not find it.',
        { id, status: rec.status },
        "Read EPS's reason, then write it again (a copy as a new draft) and sign that.",
      );
    const prescriber = await this.prescriberFor(this.d.identity.requireRole());
    return renderToken({
      shortFormId: rec.shortFormId,
      draft: rec.draft,
      prescriber,
      date: (rec.signedAt ?? new Date().toISOString()).slice(0, 10),
    });
  }

  /** Line items with what the service last said about each. */
  items(id: string): PrescriptionItemView[] {
    const rec = this.get(id);
    const states = new Map(this.d.store.items(id).map((i) => [i.lineId.toLowerCase(), i]));
    return rec.draft.items.map((it) => {
      const s: ItemState | undefined = states.get(it.lineId.toLowerCase());
      return {
        lineId: it.lineId,
        medication: it.medication.display,
        statusCode: s?.statusCode ?? null,
        status: s?.status ?? null,
        dispensedAt: s?.dispensedAt ?? null,
        cancelReason: s?.cancelReason ?? null,
        cancelAnswerCode: s?.cancelAnswerCode ?? null,
        cancelAnswer: s?.cancelAnswer ?? null,
        cancelPending: !!this.d.store.pendingWrites.get(cancelWriteKey(id, it.lineId)),
      };
    });
  }
}

interface Prepared {
  id: string;
  items: number;
  bundle: Record<string, unknown>;
  ids: PrescriptionIds;
  digest: string;
  timestamp: string;
  signedInfo: string;
  alg: 'sha256' | 'sha1';
}

/** Runs EPS's own validation of a prescription-order Bundle; its issues become the prescriber's problems. */
function checkEpsRules(bundle: Record<string, unknown>): void {
  const issues = validatePrescriptionOrder(bundle);
  if (!issues.length) return;
  const problems = issues.map(
    (i) => i.diagnostics ?? i.details?.coding?.[0]?.display ?? 'EPS would refuse this prescription.',
  );
  throw new ScripError(
    'invalid-input',
    `EPS would refuse this prescription: ${problems.join(' ')}`,
    { problems, issues },
    'Correct the prescription; nothing was signed.',
  );
}
