// The printed EPS prescription token: an A5 (FP10-sized) page with the prescription ID as a
// vertical Code 128 barcode and in words, the patient, the items and the prescriber. The token
// carries no signature: the signature box is overprinted so nobody signs it.
import { PdfDocument } from './pdf/pdf-writer';
import { code128Modules } from '../../protocols/barcode/code128';
import type { DraftContent, PrescriberContext } from './model';
import { pluralUnit } from '../../protocols/dmd/unit-words';

interface TokenInput {
  shortFormId: string;
  draft: DraftContent;
  prescriber: PrescriberContext;
  /** The date the prescription was signed (YYYY-MM-DD). */
  date: string;
  /** For repeat dispensing: which issue this token is for. */
  issue?: { n: number; of: number };
}

const W = 148,
  H = 210; // A5 portrait, mm

function ddmmyyyy(iso: string): string {
  const [y, m, d] = iso.slice(0, 10).split('-');
  return `${d}/${m}/${y}`;
}

function ageOn(birthDate: string, on: string): number {
  const b = new Date(`${birthDate}T00:00:00Z`),
    d = new Date(`${on}T00:00:00Z`);
  let age = d.getUTCFullYear() - b.getUTCFullYear();
  if (d.getUTCMonth() < b.getUTCMonth() || (d.getUTCMonth() === b.getUTCMonth() && d.getUTCDate() < b.getUTCDate()))
    age--;
  return age;
}

/** Splits text into lines no wider than `maxMm` at the given size (words longer than a line are cut). */
function wrap(text: string, maxMm: number, measure: (s: string) => number, maxLines: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const next = cur ? `${cur} ${word}` : word;
    if (measure(next) <= maxMm) {
      cur = next;
      continue;
    }
    if (cur) lines.push(cur);
    cur = word;
    while (measure(cur) > maxMm) {
      let cut = cur.length;
      while (cut > 1 && measure(cur.slice(0, cut)) > maxMm) cut--;
      lines.push(cur.slice(0, cut));
      cur = cur.slice(cut);
    }
  }
  if (cur) lines.push(cur);
  if (lines.length > maxLines) return [...lines.slice(0, maxLines - 1), lines[maxLines - 1]!.replace(/.{0,3}$/, '...')];
  return lines;
}

export function renderToken(t: TokenInput): Uint8Array {
  const doc = new PdfDocument().setTitle(`Prescription token ${t.shortFormId}`);
  const p = doc.addPage(W, H);
  const patient = t.draft.patient!;
  const measure7 = (s: string) => p.measure(s, 7.5);

  // Frame and headings
  p.rect(6, 6, W - 12, H - 12);
  p.text(8, 12, 'EPS PRESCRIPTION TOKEN', { size: 9, font: 'bold' });
  p.text(8, 16, 'Electronic prescription: this token is not a prescription. Scan the barcode to retrieve it.', {
    size: 6.5,
  });

  // Patient box (top right)
  const px = 62;
  p.rect(px, 20, 58, 40);
  p.text(px + 2, 24, 'Patient', { size: 6.5, font: 'bold' });
  const name = [patient.prefix, ...patient.given, patient.family].filter(Boolean).join(' ');
  let y = 28;
  p.text(px + 2, y, name, { size: 7.5, font: 'bold' });
  for (const line of [...patient.addressLines, patient.postcode ?? ''].filter(Boolean).slice(0, 5)) {
    y += 3.5;
    p.text(px + 2, y, line, { size: 7.5 });
  }
  p.text(px + 56, 58, `NHS number ${patient.nhsNumber.replace(/(\d{3})(\d{3})(\d{4})/, '$1 $2 $3')}`, {
    size: 7.5,
    font: 'bold',
    align: 'right',
  });

  // Age / date of birth
  p.rect(8, 20, 50, 12);
  p.text(10, 24, 'Age', { size: 6.5, font: 'bold' });
  p.text(10, 29, String(ageOn(patient.birthDate, t.date)), { size: 7.5 });
  p.text(26, 24, 'D.o.B.', { size: 6.5, font: 'bold' });
  p.text(26, 29, ddmmyyyy(patient.birthDate), { size: 7.5 });

  // Medication
  const mx = 8,
    mw = 112;
  p.rect(mx, 64, mw, 96);
  p.text(mx + 2, 68, 'Prescribed medication', { size: 6.5, font: 'bold' });
  y = 73;
  if (t.draft.treatmentType === 'repeat-dispensing' && t.draft.repeats) {
    p.text(mx + 2, y, `Repeat Dispensing Issue ${t.issue?.n ?? 1} of ${t.draft.repeats.issues}`, {
      size: 7.5,
      font: 'bold',
    });
    y += 4.5;
  }
  t.draft.items.forEach((item, i) => {
    const unit = item.quantity.value === 1 ? item.quantity.unit : pluralUnit(item.quantity.unit);
    const qty = item.controlledDrug
      ? `${item.quantity.value} (${item.controlledDrug.quantityWords}) ${unit}`
      : `${item.quantity.value} ${unit}`;
    const endorse = item.endorsements.length ? ` ${item.endorsements.join(' ')}` : '';
    for (const line of wrap(
      `${item.medication.display}${endorse}  ${qty}`,
      mw - 4,
      (s) => p.measure(s, 8, 'bold'),
      2,
    )) {
      p.text(mx + 2, y, line, { size: 8, font: 'bold' });
      y += 3.8;
    }
    for (const line of wrap(item.dosageText, mw - 4, measure7, 3)) {
      p.text(mx + 2, y, line, { size: 7.5 });
      y += 3.4;
    }
    for (const line of wrap(item.additionalInstructions, mw - 4, measure7, 2)) {
      p.text(mx + 2, y, line, { size: 7.5 });
      y += 3.4;
    }
    if (i < t.draft.items.length - 1) {
      y += 1;
      p.line(mx + 2, y, mx + mw - 2, y, 0.1);
      y += 3.5;
    }
  });
  y += 2;
  while (y < 158) {
    p.text(mx + mw / 2, y, 'X', { size: 7.5, align: 'centre' });
    y += 4;
  }

  // Signature box, overprinted
  p.rect(8, 162, 112, 10);
  p.text(10, 166, 'ELECTRONIC PRESCRIPTION TOKEN - do not sign.', { size: 6.5, font: 'bold' });
  p.text(10, 170, 'Signed electronically by the prescriber.', { size: 6.5 });
  p.text(118, 168.5, `Date ${ddmmyyyy(t.date)}`, { size: 7.5, font: 'bold', align: 'right' });

  // Prescriber box
  const pr = t.prescriber,
    org = pr.organisation;
  p.rect(8, 174, 112, 28);
  const prescriberName = [pr.name.prefix, ...pr.name.given, pr.name.family].filter(Boolean).join(' ');
  p.text(10, 178.5, `${prescriberName}   ${pr.professionalCode.system.toUpperCase()} ${pr.professionalCode.value}`, {
    size: 7.5,
    font: 'bold',
  });
  y = 182;
  for (const line of [
    org.name,
    ...org.addressLines.filter((l) => l !== org.name),
    [org.city, org.postcode].filter(Boolean).join(' '),
  ]
    .filter(Boolean)
    .slice(0, 4)) {
    p.text(10, y, line, { size: 7.5 });
    y += 3.3;
  }
  p.text(10, y, `Tel ${org.telecom}   ${org.partOf ? `${org.partOf.name} ${org.partOf.odsCode}` : org.odsCode}`, {
    size: 7.5,
  });
  if (patient.nominatedPharmacy)
    p.text(118, 178.5, `Nominated: ${patient.nominatedPharmacy.name ?? patient.nominatedPharmacy.odsCode}`, {
      size: 6.5,
      align: 'right',
    });

  // Right-hand column: vertical Code 128 barcode of the prescription ID, and the ID in words.
  const modules = code128Modules(t.shortFormId);
  const barHeight = 66,
    barWidth = 10,
    bx = 124,
    top = 64 + 8;
  const unit = barHeight / modules.reduce((a, b) => a + b, 0);
  let by = top;
  modules.forEach((w, i) => {
    if (i % 2 === 0) p.rect(bx, by, barWidth, w * unit, true);
    by += w * unit;
  });
  p.text(bx + barWidth + 4, top + barHeight, t.shortFormId, { size: 8, font: 'bold', rotate: 90 });
  p.text(bx, top - 3, 'Prescription ID', { size: 6 });
  return doc.toBytes();
}
