// A small PDF 1.4 writer: enough for a printed token (text in the standard Helvetica faces, which
// viewers and printers render with Arial's metrics; lines and filled rectangles for the barcode).
// Written here rather than pulled in, so what Scrip prints is a page of code anyone can read.

const MM = 72 / 25.4; // PDF points per millimetre

type Font = 'regular' | 'bold';

interface Page {
  width: number;
  height: number;
  ops: string[];
}

/** PDF text strings: escape the delimiters; characters outside Latin-1 become '?'. */
function pdfString(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    const b = c > 255 ? 63 : c;
    if (b === 0x28 || b === 0x29 || b === 0x5c) out += '\\' + String.fromCharCode(b);
    else if (b < 32 || b > 126) out += '\\' + b.toString(8).padStart(3, '0');
    else out += String.fromCharCode(b);
  }
  return `(${out})`;
}

const n = (v: number) => (Math.round(v * 1000) / 1000).toString();

// Approximate Helvetica advance widths (per 1000 em) for layout: digits, capitals and lower case.
function textWidth(text: string, size: number, font: Font): number {
  let w = 0;
  for (const ch of text) {
    if (ch === ' ') w += 278;
    else if (/[0-9]/.test(ch)) w += 556;
    else if (/[A-Z]/.test(ch)) w += font === 'bold' ? 722 : 667;
    else if (/[il.,:;'|!]/.test(ch)) w += 250;
    else if (/[mwMW]/.test(ch)) w += 833;
    else w += font === 'bold' ? 611 : 556;
  }
  return (w / 1000) * size;
}

export class PdfDocument {
  readonly #pages: Page[] = [];
  #title = '';

  setTitle(t: string): this {
    this.#title = t;
    return this;
  }

  addPage(widthMm: number, heightMm: number): PdfPage {
    const page: Page = { width: widthMm * MM, height: heightMm * MM, ops: [] };
    this.#pages.push(page);
    return new PdfPage(page);
  }

  toBytes(): Uint8Array {
    const objects: string[] = [];
    const add = (body: string) => {
      objects.push(body);
      return objects.length;
    };
    const catalog = add(''); // filled below
    const pagesObj = add('');
    const fontRegular = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
    const fontBold = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>');
    const pageIds: number[] = [];
    for (const p of this.#pages) {
      const stream = p.ops.join('\n');
      const content = add(`<< /Length ${Buffer.byteLength(stream, 'latin1')} >>\nstream\n${stream}\nendstream`);
      pageIds.push(
        add(
          `<< /Type /Page /Parent ${pagesObj} 0 R /MediaBox [0 0 ${n(p.width)} ${n(p.height)}] /Resources << /Font << /F1 ${fontRegular} 0 R /F2 ${fontBold} 0 R >> >> /Contents ${content} 0 R >>`,
        ),
      );
    }
    objects[catalog - 1] = `<< /Type /Catalog /Pages ${pagesObj} 0 R >>`;
    objects[pagesObj - 1] =
      `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`;
    const info = add(`<< /Title ${pdfString(this.#title)} /Producer (Scrip) >>`);
    let out = '%PDF-1.4\n%\xE2\xE3\xCF\xD3\n';
    const offsets: number[] = [];
    objects.forEach((body, i) => {
      offsets.push(Buffer.byteLength(out, 'latin1'));
      out += `${i + 1} 0 obj\n${body}\nendobj\n`;
    });
    const xref = Buffer.byteLength(out, 'latin1');
    out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
    out += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R /Info ${info} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
    return new Uint8Array(Buffer.from(out, 'latin1'));
  }
}

/** Drawing on one page, in millimetres from the top-left corner (as a form is measured). */
class PdfPage {
  readonly #p: Page;
  constructor(p: Page) {
    this.#p = p;
  }

  #x(mm: number): number {
    return mm * MM;
  }
  #y(mm: number): number {
    return this.#p.height - mm * MM;
  }

  /** Text with its baseline at (x, y). */
  text(
    xMm: number,
    yMm: number,
    text: string,
    opts: { size?: number; font?: Font; align?: 'left' | 'centre' | 'right'; rotate?: 90 } = {},
  ): this {
    const size = opts.size ?? 9;
    const font = opts.font === 'bold' ? 'F2' : 'F1';
    const w = textWidth(text, size, opts.font ?? 'regular');
    const dx = opts.align === 'centre' ? -w / 2 : opts.align === 'right' ? -w : 0;
    if (opts.rotate === 90) {
      // Reads bottom-to-top, as the token's vertical prescription ID does.
      this.#p.ops.push(
        `BT /${font} ${n(size)} Tf 0 1 -1 0 ${n(this.#x(xMm))} ${n(this.#y(yMm) + dx)} Tm ${pdfString(text)} Tj ET`,
      );
    } else {
      this.#p.ops.push(
        `BT /${font} ${n(size)} Tf ${n(this.#x(xMm) + dx)} ${n(this.#y(yMm))} Td ${pdfString(text)} Tj ET`,
      );
    }
    return this;
  }

  line(x1: number, y1: number, x2: number, y2: number, widthMm = 0.2): this {
    this.#p.ops.push(
      `${n(widthMm * MM)} w ${n(this.#x(x1))} ${n(this.#y(y1))} m ${n(this.#x(x2))} ${n(this.#y(y2))} l S`,
    );
    return this;
  }

  rect(xMm: number, yMm: number, wMm: number, hMm: number, fill = false, widthMm = 0.2): this {
    const op = fill ? 'f' : 'S';
    this.#p.ops.push(
      `${fill ? '' : `${n(widthMm * MM)} w `}${n(this.#x(xMm))} ${n(this.#y(yMm + hMm))} ${n(wMm * MM)} ${n(hMm * MM)} re ${op}`,
    );
    return this;
  }

  /** Approximate width of text in mm, for wrapping and truncation. */
  measure(text: string, size = 9, font: Font = 'regular'): number {
    return textWidth(text, size, font) / MM;
  }
}
