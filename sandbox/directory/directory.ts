// The sandbox's directory of users, role profiles and organisations (a Spine Directory Service
// stand-in). Seeded with realistic test users on first start, then read from users.json in the
// data directory, which a supplier may edit. `scrip sandbox users` prints it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileBacked } from '../store/file-backed';
import { join } from 'node:path';
import { z } from 'zod';

const organisation = z.object({
  odsCode: z.string().regex(/^[A-Z0-9]{3,8}$/),
  name: z.string(),
  typeCode: z.string(),
  typeDisplay: z.string(),
  telecom: z.string(),
  addressLines: z.array(z.string()),
  city: z.string().optional(),
  district: z.string().optional(),
  postcode: z.string(),
  partOf: z.object({ odsCode: z.string(), name: z.string() }).optional(),
});
const roleProfile = z.object({
  id: z.string().regex(/^\d{12}$/),
  orgCode: z.string(),
  jobRoleCode: z.string().regex(/^S\d{4}:G\d{4}:R\d{4}$/),
  jobRoleName: z.string(),
  activities: z.array(z.string().regex(/^B\d{4}$/)),
  /** NHSBSA prescription type for prescribers in this role (e.g. 0101). */
  prescriptionType: z.string().optional(),
});
const user = z.object({
  id: z.string().regex(/^\d{12}$/),
  name: z.object({ prefix: z.string().optional(), given: z.array(z.string()), family: z.string() }),
  /** GDC (dentists) is listed so the directory can hold one; EPS takes GMC, NMC, GPhC and HCPC only. */
  professionalCode: z.object({ system: z.enum(['gmc', 'nmc', 'gphc', 'hcpc', 'gdc']), value: z.string() }).optional(),
  telecom: z.string(),
  roles: z.array(roleProfile),
});
const directorySchema = z.object({
  /** Which seed the file was made from: users and organisations added to a later seed are added to it once. */
  seedVersion: z.number().int().optional(),
  organisations: z.array(organisation),
  users: z.array(user),
});
export type Directory = z.infer<typeof directorySchema>;
export type DirectoryUser = z.infer<typeof user>;
export type DirectoryRole = z.infer<typeof roleProfile>;
type DirectoryOrganisation = z.infer<typeof organisation>;

/** Bumped when the seed gains users or organisations, so data directories made earlier gain them too. */
const SEED_VERSION = 2;

export const seedDirectory: Directory = {
  seedVersion: SEED_VERSION,
  organisations: [
    {
      odsCode: 'A83008',
      name: 'HALLGARTH SURGERY',
      typeCode: '76',
      typeDisplay: 'GP PRACTICE',
      telecom: '0115 9737320',
      addressLines: ['HALLGARTH SURGERY', 'CHEAPSIDE'],
      city: 'SHILDON',
      district: 'COUNTY DURHAM',
      postcode: 'DL4 2HP',
      partOf: { odsCode: '84H', name: 'NHS COUNTY DURHAM CCG' },
    },
    {
      odsCode: 'B81012',
      name: 'STIRLING MEDICAL CENTRE',
      typeCode: '76',
      typeDisplay: 'GP PRACTICE',
      telecom: '01482 344700',
      addressLines: ['STIRLING MEDICAL CENTRE', '1 STIRLING STREET'],
      city: 'HULL',
      postcode: 'HU3 2EN',
      partOf: { odsCode: '03F', name: 'NHS HULL CCG' },
    },
    {
      odsCode: 'FCG71',
      name: 'WESTON PHARMACY',
      typeCode: '182',
      typeDisplay: 'PHARMACY',
      telecom: '0113 2670061',
      addressLines: ['WESTON PHARMACY', '12 HIGH STREET'],
      city: 'LEEDS',
      postcode: 'LS1 4AP',
    },
    // An NHS trust site and its trust, for hospital (outpatient community, 10xx) prescribers: the
    // EPS "Prescription Types Test Pack" (packages/tool/e2e-tests/test-packs) uses RWH20 in RWH.
    {
      odsCode: 'RWH20',
      name: 'QUEEN ELIZABETH II HOSPITAL',
      typeCode: '198',
      typeDisplay: 'NHS TRUST SITE',
      telecom: '01438 121485',
      addressLines: ['QUEEN ELIZABETH II HOSPITAL', 'HOWLANDS'],
      city: 'WELWYN GARDEN CITY',
      district: 'HERTFORDSHIRE',
      postcode: 'AL7 4HQ',
      partOf: { odsCode: 'RWH', name: 'EAST AND NORTH HERTFORDSHIRE NHS TRUST' },
    },
    {
      odsCode: 'V00312',
      name: 'STATION ROAD DENTAL PRACTICE',
      // No ODS role code for a dental practice was found in EPS's public sources; 999 is HL7's "not
      // specified". A dentist's prescription never reaches EPS (type 0006 is not allowed there).
      typeCode: '999',
      typeDisplay: 'NOT SPECIFIED',
      telecom: '01388 772211',
      addressLines: ['STATION ROAD DENTAL PRACTICE', '4 STATION ROAD'],
      city: 'SHILDON',
      district: 'COUNTY DURHAM',
      postcode: 'DL4 1AA',
      partOf: { odsCode: '84H', name: 'NHS COUNTY DURHAM CCG' },
    },
    {
      odsCode: 'FA565',
      name: 'ASDA INSTORE PHARMACY',
      typeCode: '182',
      typeDisplay: 'PHARMACY',
      telecom: '0191 3780100',
      addressLines: ['ASDA INSTORE PHARMACY', 'DURHAM ROAD'],
      city: 'STOCKTON',
      postcode: 'TS18 3AH',
    },
  ],
  users: [
    {
      id: '555086689106',
      name: { prefix: 'DR', given: ['CLARE'], family: 'BOIN' },
      professionalCode: { system: 'gmc', value: '6095103' },
      telecom: '01234567890',
      roles: [
        {
          id: '200102238987',
          orgCode: 'A83008',
          jobRoleCode: 'S8000:G8000:R8000',
          jobRoleName: '"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"',
          activities: ['B0278', 'B0420', 'B0401', 'B0068'],
          prescriptionType: '0101',
        },
        {
          id: '200102238988',
          orgCode: 'B81012',
          jobRoleCode: 'S8000:G8000:R8000',
          jobRoleName: '"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"',
          activities: ['B0278', 'B0420', 'B0401'],
          prescriptionType: '0101',
        },
      ],
    },
    {
      id: '555086690109',
      name: { prefix: 'MRS', given: ['JANE'], family: 'SMITH' },
      professionalCode: { system: 'nmc', value: '12A3456B' },
      telecom: '01234567891',
      roles: [
        {
          id: '200102240001',
          orgCode: 'A83008',
          jobRoleCode: 'S8000:G8000:R8001',
          jobRoleName: '"Clinical":"Clinical Provision":"Nurse Access Role"',
          activities: ['B0278', 'B0058', 'B0401'],
          prescriptionType: '0105',
        },
      ],
    },
    {
      id: '555086691101',
      name: { prefix: 'MR', given: ['AMIR'], family: 'PATEL' },
      professionalCode: { system: 'gphc', value: '2067432' },
      telecom: '0113 2670061',
      roles: [
        {
          id: '200102240002',
          orgCode: 'FCG71',
          jobRoleCode: 'S8000:G8000:R8003',
          jobRoleName: '"Clinical":"Clinical Provision":"Health Professional Access Role"',
          activities: ['B0570', 'B0572', 'B0068', 'B0401'],
        },
      ],
    },
    {
      // A pharmacist independent prescriber in a GP practice: prescription type 0108.
      id: '555086693106',
      name: { prefix: 'MS', given: ['PRIYA'], family: 'SHAH' },
      professionalCode: { system: 'gphc', value: '2089341' },
      telecom: '0115 9737321',
      roles: [
        {
          id: '200102240005',
          orgCode: 'A83008',
          jobRoleCode: 'S8000:G8000:R8003',
          jobRoleName: '"Clinical":"Clinical Provision":"Health Professional Access Role"',
          activities: ['B0278', 'B0420', 'B0401'],
          prescriptionType: '0108',
        },
      ],
    },
    {
      // A hospital doctor prescribing for outpatients to be dispensed in the community: type 1001.
      id: '555086695109',
      name: { prefix: 'DR', given: ['OWEN'], family: 'HARGREAVES' },
      professionalCode: { system: 'gmc', value: '7051966' },
      telecom: '01438 121486',
      roles: [
        {
          id: '200102240007',
          orgCode: 'RWH20',
          jobRoleCode: 'S8000:G8000:R8000',
          jobRoleName: '"Clinical":"Clinical Provision":"Clinical Practitioner Access Role"',
          activities: ['B0278', 'B0420', 'B0401'],
          prescriptionType: '1001',
        },
      ],
    },
    {
      // A dentist. Dental prescribing (0006) is a type EPS does not take ("Script Types - Not
      // Allowed" test pack): the prescription is written on paper, and Scrip says so.
      id: '555086694102',
      name: { prefix: 'MR', given: ['DAVID'], family: 'OKAFOR' },
      professionalCode: { system: 'gdc', value: '81234' },
      telecom: '01388 772211',
      roles: [
        {
          id: '200102240006',
          orgCode: 'V00312',
          jobRoleCode: 'S8000:G8000:R8003',
          jobRoleName: '"Clinical":"Clinical Provision":"Health Professional Access Role"',
          activities: ['B0278', 'B0420', 'B0401'],
          prescriptionType: '0006',
        },
      ],
    },
    {
      id: '555086692103',
      name: { prefix: 'MS', given: ['ROSE'], family: 'TAYLOR' },
      telecom: '01234567892',
      roles: [
        {
          id: '200102240003',
          orgCode: 'A83008',
          jobRoleCode: 'S8001:G8005:R8000',
          jobRoleName: '"Admin & Clerical":"Admin":"Demographic Administrator"',
          activities: ['B0825', 'B0401'],
        },
      ],
    },
  ],
};

export { PRESCRIBING_ACTIVITIES, DISPENSING_ACTIVITIES } from '../../protocols/spine/activities';

export class DirectoryStore {
  readonly file: string;
  readonly #read: () => Directory;
  constructor(dataDir: string) {
    this.file = join(dataDir, 'users.json');
    if (!existsSync(this.file)) writeFileSync(this.file, JSON.stringify(seedDirectory, null, 2) + '\n');
    else this.#addNewSeedEntries();
    this.#read = fileBacked(this.file, (text) => directorySchema.parse(JSON.parse(text)));
  }
  /**
   * A users.json from an earlier seed gains the users and organisations added since (by ID), once:
   * entries a supplier edited are left as they are, and one removed after the upgrade stays removed.
   */
  #addNewSeedEntries(): void {
    const raw = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<Directory>;
    if ((raw.seedVersion ?? 1) >= SEED_VERSION || !Array.isArray(raw.users) || !Array.isArray(raw.organisations))
      return;
    const users = new Set(raw.users.map((u) => u.id));
    const orgs = new Set(raw.organisations.map((o) => o.odsCode));
    const next = {
      ...raw,
      seedVersion: SEED_VERSION,
      organisations: [...raw.organisations, ...seedDirectory.organisations.filter((o) => !orgs.has(o.odsCode))],
      users: [...raw.users, ...seedDirectory.users.filter((u) => !users.has(u.id))],
    };
    writeFileSync(this.file, JSON.stringify(next, null, 2) + '\n');
  }
  /** Re-read whenever users.json changes, so edits apply without a restart. */
  read(): Directory {
    return this.#read();
  }
  /** The user holding a role profile, and the role. */
  role(roleId: string): { user: DirectoryUser; role: DirectoryRole } | null {
    for (const u of this.read().users) {
      const r = u.roles.find((x) => x.id === roleId);
      if (r) return { user: u, role: r };
    }
    return null;
  }
  user(id: string): DirectoryUser | null {
    return this.read().users.find((u) => u.id === id) ?? null;
  }
  organisation(code: string): DirectoryOrganisation | null {
    return this.read().organisations.find((o) => o.odsCode === code) ?? null;
  }
  displayName(u: DirectoryUser): string {
    return [u.name.prefix, ...u.name.given, u.name.family].filter(Boolean).join(' ');
  }
}
