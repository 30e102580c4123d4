// Synthetic patients for the PDS-style index: valid NHS numbers (modulus 11), realistic names,
// addresses, GP practices and, for some, a nominated pharmacy. No real person is described.
export interface SandboxPatient {
  nhsNumber: string; prefix: string; given: string[]; family: string; gender: 'female' | 'male' | 'other' | 'unknown';
  birthDate: string; addressLines: string[]; postcode: string; gpOdsCode: string; nominatedPharmacy: string | null;
  /** Sensitive record (meta.security R): address, telecom and GP are withheld, as PDS does. */
  restricted?: boolean;
  phone?: string;
}

export const seedPatients: SandboxPatient[] = [
  { nhsNumber: '9449305552', prefix: 'MS', given: ['OCTAVIA'], family: 'CHISLETT', gender: 'female', birthDate: '2008-09-20', addressLines: ['1 TRINITY STREET', 'HEBDEN BRIDGE'], postcode: 'HX7 8AW', gpOdsCode: 'A83008', nominatedPharmacy: 'FCG71' },
  { nhsNumber: '5839945242', prefix: 'MS', given: ['STACEY', 'MARISA'], family: 'TWITCHETT', gender: 'female', birthDate: '1948-04-30', addressLines: ['10 HEATHFIELD', 'COBHAM', 'SURREY'], postcode: 'KT11 2QY', gpOdsCode: 'A83008', nominatedPharmacy: 'FA565' },
  { nhsNumber: '9449304424', prefix: 'MR', given: ['JOHN'], family: 'DOE', gender: 'male', birthDate: '1968-02-02', addressLines: ['4 CASTLE HILL', 'LEEDS'], postcode: 'LS1 5DR', gpOdsCode: 'A83008', nominatedPharmacy: null },
  { nhsNumber: '9000000009', prefix: 'MRS', given: ['JANE'], family: 'SMITH', gender: 'female', birthDate: '2010-10-22', addressLines: ['1 TRINITY STREET', 'DEWSBURY'], postcode: 'WF13 1HF', gpOdsCode: 'B81012', nominatedPharmacy: 'FCG71' },
  { nhsNumber: '9000000017', prefix: 'MR', given: ['PETER'], family: 'SMITH', gender: 'male', birthDate: '1955-03-14', addressLines: ['22 MILL LANE', 'DEWSBURY'], postcode: 'WF12 8AA', gpOdsCode: 'B81012', nominatedPharmacy: null },
  { nhsNumber: '9000000025', prefix: 'MRS', given: ['JANET'], family: 'SMYTHE', gender: 'female', birthDate: '2005-06-16', addressLines: ['3 CHURCH VIEW', 'DEWSBURY'], postcode: 'WF13 2AB', gpOdsCode: 'B81012', nominatedPharmacy: null, restricted: true },
  { nhsNumber: '9434765919', prefix: 'MR', given: ['ALAN', 'JAMES'], family: 'ASHWORTH', gender: 'male', birthDate: '1972-11-05', addressLines: ['7 STATION ROAD', 'SHILDON'], postcode: 'DL4 1AB', gpOdsCode: 'A83008', nominatedPharmacy: 'FA565' },
];

/** The seeded index: the hand-written patients above and generated ones, 20 in all. */
export const sandboxPatients = (): SandboxPatient[] => [...seedPatients, ...morePatients(20 - seedPatients.length)];

/** Adds generated patients (valid NHS numbers) so searches have more than a handful to sift. */
export function morePatients(count: number): SandboxPatient[] {
  const given = ['OLIVIA', 'AMELIA', 'ISLA', 'AVA', 'MIA', 'NOAH', 'OLIVER', 'GEORGE', 'ARTHUR', 'LEO', 'FREYA', 'HARRY'];
  const family = ['JONES', 'WILLIAMS', 'BROWN', 'TAYLOR', 'DAVIES', 'EVANS', 'WILSON', 'THOMAS', 'JOHNSON', 'ROBERTS'];
  const out: SandboxPatient[] = [];
  let base = 943_000_000;
  while (out.length < count) {
    const nine = String(base++);
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (10 - i);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    const n = out.length;
    const g = given[n % given.length]!;
    out.push({
      nhsNumber: nine + String(check === 11 ? 0 : check), prefix: n % 2 ? 'MR' : 'MS', given: [g], family: family[n % family.length]!,
      gender: n % 2 ? 'male' : 'female', birthDate: `${1940 + (n * 7) % 80}-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`,
      addressLines: [`${n + 3} HIGH STREET`, 'SHILDON'], postcode: `DL4 ${1 + (n % 9)}AB`, gpOdsCode: n % 3 ? 'A83008' : 'B81012', nominatedPharmacy: n % 4 === 0 ? 'FCG71' : null,
    });
  }
  return out;
}
