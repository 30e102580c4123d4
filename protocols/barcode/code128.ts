// Code 128 (ISO/IEC 15417), the symbology the EPS token specification requires for the
// prescription ID. Pure: text in, bar/space module widths out; drawing is the caller's business.

// Bar/space widths (in modules) of symbol values 0–105, and the stop pattern. Each symbol is
// 6 elements totalling 11 modules; the stop is 7 elements totalling 13.
const PATTERNS = [
  '212222',
  '222122',
  '222221',
  '121223',
  '121322',
  '131222',
  '122213',
  '122312',
  '132212',
  '221213',
  '221312',
  '231212',
  '112232',
  '122132',
  '122231',
  '113222',
  '123122',
  '123221',
  '223211',
  '221132',
  '221231',
  '213212',
  '223112',
  '312131',
  '311222',
  '321122',
  '321221',
  '312212',
  '322112',
  '322211',
  '212123',
  '212321',
  '232121',
  '111323',
  '131123',
  '131321',
  '112313',
  '132113',
  '132311',
  '211313',
  '231113',
  '231311',
  '112133',
  '112331',
  '132131',
  '113123',
  '113321',
  '133121',
  '313121',
  '211331',
  '231131',
  '213113',
  '213311',
  '213131',
  '311123',
  '311321',
  '331121',
  '312113',
  '312311',
  '332111',
  '314111',
  '221411',
  '431111',
  '111224',
  '111422',
  '121124',
  '121421',
  '141122',
  '141221',
  '112214',
  '112412',
  '122114',
  '122411',
  '142112',
  '142211',
  '241211',
  '221114',
  '413111',
  '241112',
  '134111',
  '111242',
  '121142',
  '121241',
  '114212',
  '124112',
  '124211',
  '411212',
  '421112',
  '421211',
  '212141',
  '214121',
  '412121',
  '111143',
  '111341',
  '131141',
  '114113',
  '114311',
  '411113',
  '411311',
  '113141',
  '114131',
  '311141',
  '411131',
  '211412',
  '211214',
  '211232',
] as const;
const STOP = '2331112';
const START_B = 104,
  START_C = 105,
  CODE_B = 100,
  CODE_C = 99;

export class BarcodeError extends Error {}

/** Symbol values for `text`: code set B for printable ASCII, C for runs of 4+ digits. */
export function code128Values(text: string): number[] {
  if (!text.length) throw new BarcodeError('Nothing to encode.');
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    if (c < 32 || c > 126) throw new BarcodeError(`Code 128 (set B) cannot carry the character ${JSON.stringify(ch)}.`);
  }
  const digitRun = (i: number) => {
    let n = 0;
    while (i + n < text.length && /[0-9]/.test(text[i + n]!)) n++;
    return n;
  };
  const values: number[] = [];
  let set: 'B' | 'C';
  let i = 0;
  if (digitRun(0) >= 4) {
    set = 'C';
    values.push(START_C);
  } else {
    set = 'B';
    values.push(START_B);
  }
  while (i < text.length) {
    const run = digitRun(i);
    if (set === 'C') {
      if (run >= 2) {
        values.push(Number(text.slice(i, i + 2)));
        i += 2;
        continue;
      }
      set = 'B';
      values.push(CODE_B);
    }
    if (run >= 4 && (run % 2 === 0 || i + run === text.length || run >= 6)) {
      if (run % 2 === 1) {
        values.push(text.charCodeAt(i) - 32);
        i++;
      }
      set = 'C';
      values.push(CODE_C);
      continue;
    }
    values.push(text.charCodeAt(i) - 32);
    i++;
  }
  const checksum = values.reduce((sum, v, k) => sum + v * (k === 0 ? 1 : k), 0) % 103;
  values.push(checksum);
  return values;
}

/** Module widths, alternating bar, space, bar, …, starting and ending with a bar. */
export function code128Modules(text: string): number[] {
  const widths: number[] = [];
  for (const v of code128Values(text)) for (const w of PATTERNS[v]!) widths.push(Number(w));
  for (const w of STOP) widths.push(Number(w));
  return widths;
}

export const code128Patterns = { PATTERNS, STOP };
