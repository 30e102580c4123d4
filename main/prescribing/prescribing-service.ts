// The prescription pad's engine: drafts saved on every change; signing that checks what the card is
// about to sign against Scrip's own digest before the card is used; the durable outbox; the token.
//   sign: IDs → Bundle → EPS $prepare → Scrip's own digest must equal the service's → the card's
//   signing key signs the canonical SignedInfo → XML-DSig + Provenance → outbox (committed) → send.
import { createHash, randomUUID } from 'node:crypto';
import { ScripError } from '../errors';
import type { EventBus } from '../events';
import type { AuditLog } from '../store/audit';
import type { CardService } from '../card/card-service';
import type { IdentityService } from '../identity/identity-service';
import { prepareDigest } from '../../protocols/eps/fragments';
import { canPrescribe } from '../../protocols/spine/activities';
import { assembleSignature, provenanceEntry } from '../../protocols/eps/signature';
import { buildPrescriptionBundle, type PrescriptionIds } from './bundle';
import { draftContent, type DraftContent, type PrescriberContext } from './model';
import type { PrescriptionStore, PrescriptionRecord } from './store';
import type { EpsClient } from './eps-client';
import type { Outbox } from './outbox';
import { shortFormId, newLongFormId } from './ids';
import { renderToken } from './token';

const hash = (alg: 'sha256' | 'sha1', data: string) => createHash(alg).update(data, 'utf8').digest('base64');

export interface PrescribingDeps {
  store: PrescriptionStore;
  cards: CardService;
  identity: IdentityService;
  events: EventBus;
  audit: AuditLog;
  eps: () => EpsClient;
  outbox: Outbox;
  /** Prescriber and organisation details for a role (the sandbox's directory, or local settings). */
  prescriber: (auth: { token: string; roleProfileId: string; userId: string }) => Promise<PrescriberContext>;
}

export interface SignOutcome { id: string; ok: boolean; status: string; shortFormId: string | null; error?: { code: string; message: string; action: string } }

export class PrescribingService {
  constructor(private readonly d: PrescribingDeps) {}

  #changed(r: PrescriptionRecord): PrescriptionRecord {
    this.d.events.emit('prescription.changed', { id: r.id, status: r.status, shortFormId: r.shortFormId, lastError: r.lastError });
    return r;
  }

  create(content: unknown): PrescriptionRecord {
    const draft = draftContent.parse(content ?? {});
    const owner = this.d.identity.view().user?.id ?? null;
    return this.#changed(this.d.store.createDraft(draft, owner));
  }

  update(id: string, content: unknown): PrescriptionRecord {
    const draft = draftContent.parse(content ?? {});
    const r = this.d.store.saveDraft(id, draft);
    if (!r) {
      if (!this.d.store.get(id)) throw new ScripError('not-found', `There is no prescription ${id}.`);
      throw new ScripError('bad-state', 'This prescription has been signed and can no longer change.', { id }, 'Cancel it and write a new one if it is wrong.');
    }
    return this.#changed(r);
  }

  get(id: string): PrescriptionRecord {
    const r = this.d.store.get(id);
    if (!r) throw new ScripError('not-found', `There is no prescription ${id}.`);
    return r;
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
      if (Math.round(it.quantity.value * 100) !== it.quantity.value * 100) p.push(`${n}: the quantity can have at most 2 decimal places.`);
      if (!it.dosageText.trim()) p.push(`${n}: add dosage instructions.`);
      if (it.controlledDrug && !it.controlledDrug.quantityWords.trim()) p.push(`${n}: a controlled drug needs its quantity in words.`);
    });
    if (draft.treatmentType === 'repeat-dispensing' && !draft.repeats) p.push('Repeat dispensing needs the number of issues and the days between them.');
    return p;
  }

  /** Signs and queues one or more drafts; the PIN is used only if the card demands it, and only in this call. */
  async sign(ids: string[], pin?: string): Promise<SignOutcome[]> {
    const session = this.d.identity.requireRole();
    if (!canPrescribe(session.role.activities)) {
      throw new ScripError('forbidden', `Your role at ${session.role.orgName} cannot prescribe.`, undefined, 'Switch to a prescribing role.');
    }
    const auth = { token: session.token, roleProfileId: session.role.id, userId: session.userId };
    const prescriber = await this.d.prescriber(auth);
    const out: SignOutcome[] = [];
    for (const id of ids) {
      try {
        out.push(await this.#signOne(id, prescriber, auth, pin));
      } catch (e) {
        const err = e instanceof ScripError ? e : new ScripError('internal', e instanceof Error ? e.message : String(e));
        out.push({ id, ok: false, status: this.d.store.get(id)?.status ?? 'unknown', shortFormId: null, error: { code: err.code, message: err.message, action: err.action } });
        // A card that is gone or locked stops the batch: the rest would fail the same way.
        if (['card-removed', 'no-card', 'pin-blocked', 'pin-wrong', 'bad-state'].includes(err.code)) break;
      }
    }
    this.d.outbox.flush().catch(() => undefined);
    return out;
  }

  async #signOne(id: string, prescriber: PrescriberContext, auth: { token: string; roleProfileId: string; userId: string }, pin?: string): Promise<SignOutcome> {
    const rec = this.get(id);
    if (rec.status !== 'draft') throw new ScripError('bad-state', 'This prescription is already signed.', { id, status: rec.status });
    const problems = this.problems(rec.draft);
    if (problems.length) throw new ScripError('invalid-input', problems.join(' '), { problems });
    const ids: PrescriptionIds = {
      shortFormId: shortFormId(prescriber.organisation.odsCode, this.d.store.nextSequence(prescriber.organisation.odsCode)),
      longFormId: newLongFormId(), bundleId: randomUUID(), messageHeaderId: randomUUID(), patientId: randomUUID(),
      practitionerRoleId: randomUUID(), practitionerId: randomUUID(), organisationId: randomUUID(), communicationId: randomUUID(),
    };
    const bundle = buildPrescriptionBundle(rec.draft, prescriber, ids, { startDate: new Date().toISOString().slice(0, 10) });
    const prepared = await this.d.eps().prepare(bundle, auth);
    // Scrip computes what it signs itself: if the service's digest differs, nothing is signed.
    const mine = prepareDigest(bundle, prepared.timestamp, prepared.algorithm, hash);
    if (mine.digest !== prepared.digest) {
      throw new ScripError('service-error', 'EPS asked to sign something other than this prescription: its digest does not match the one Scrip computed. Nothing was signed.', { id }, 'Report this to your system supplier; do not sign until it is resolved.');
    }
    const signedInfo = Buffer.from(prepared.digest, 'base64').toString('utf8');
    const alg = prepared.algorithm === 'RS256' ? 'sha256' : 'sha1';
    const signed = await this.d.cards.sign({ kind: 'sign', data: { hash: createHash(alg).update(signedInfo, 'utf8').digest(), algorithm: alg }, ...(pin ? { pin } : {}) });
    const xml = assembleSignature(prepared.digest, Buffer.from(signed.signature).toString('base64'), Buffer.from(signed.certificate).toString('base64'));
    const entries = bundle.entry as Array<{ fullUrl: string; resource: { resourceType: string } }>;
    const requester = `urn:uuid:${ids.practitionerRoleId}`;
    entries.push(provenanceEntry({
      id: randomUUID(), requesterReference: requester, signatureXml: xml, recorded: prepared.timestamp, signedAt: prepared.timestamp,
      targetReferences: entries.filter((e) => e.resource.resourceType === 'MedicationRequest').map((e) => e.fullUrl),
    }) as unknown as { fullUrl: string; resource: { resourceType: string } });
    const committed = this.d.store.commitSigned(id, { bundle: JSON.stringify(bundle), shortFormId: ids.shortFormId, longFormId: ids.longFormId });
    this.d.audit.append(auth.userId, 'prescription.sign', { id, shortFormId: ids.shortFormId, roleProfileId: auth.roleProfileId, items: rec.draft.items.length });
    this.#changed(committed);
    return { id, ok: true, status: committed.status, shortFormId: ids.shortFormId };
  }

  /** Sends what is waiting in the outbox now; resolves when this pass is done. */
  async send(): Promise<void> { await this.d.outbox.flush(); }

  /** The printed token (PDF) of a signed prescription. */
  async token(id: string): Promise<Uint8Array> {
    const rec = this.get(id);
    if (!rec.shortFormId || !rec.bundle) throw new ScripError('bad-state', 'Only a signed prescription has a token.', { id, status: rec.status });
    const session = this.d.identity.requireRole();
    const prescriber = await this.d.prescriber({ token: session.token, roleProfileId: session.role.id, userId: session.userId });
    return renderToken({ shortFormId: rec.shortFormId, draft: rec.draft, prescriber, date: (rec.signedAt ?? new Date().toISOString()).slice(0, 10) });
  }
}
