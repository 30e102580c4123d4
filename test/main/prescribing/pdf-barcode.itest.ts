// A barcode Scrip draws into a PDF is read back by an independent decoder (zbar) after rendering
// the PDF with poppler at printer resolution — the way a pharmacy scanner would see the token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PdfDocument } from '../../../main/prescribing/pdf/pdf-writer';
import { code128Modules } from '../../../protocols/barcode/code128';
import { need, requirements } from '../../support/system';

function drawVertical(id: string): Uint8Array {
  const doc = new PdfDocument().setTitle('barcode test');
  const page = doc.addPage(148, 210);
  const modules = code128Modules(id);
  const height = 66,
    unit = height / modules.reduce((a, b) => a + b, 0);
  let y = 20;
  modules.forEach((w, i) => {
    if (i % 2 === 0) page.rect(120, y, 10, w * unit, true);
    y += w * unit;
  });
  return doc.toBytes();
}

test('vertical Code 128 prescription IDs decode with zbar after rendering at 300 dpi', (t) => {
  if (!need(t, requirements.pdfAndBarcode)) return;
  const dir = mkdtempSync(join(tmpdir(), 'scrip-barcode-'));
  try {
    for (const id of ['83C40E-A23856-00123C', '24F5DA-A83008-7EFE6Z', '04F4C2-A99968-7F717P', '000000-000000-00000+']) {
      writeFileSync(join(dir, 'b.pdf'), drawVertical(id));
      execFileSync('pdftoppm', ['-r', '300', '-png', '-singlefile', join(dir, 'b.pdf'), join(dir, 'b')]);
      const out = execFileSync('zbarimg', ['-q', '--raw', join(dir, 'b.png')], { encoding: 'utf8' }).trim();
      assert.equal(out, id);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
