// The mapping rules EPS applies that NHS England's public examples never exercise. Each expected
// piece of XML is what EPS's own translation produces, read from its source
// (NHSDigital/electronic-prescription-service-api, packages/coordinator/src/services/translation/…,
// cited per test); any change here changes the digest EPS computes, so Scrip must agree exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalFragments, FragmentError } from '../../../protocols/eps/fragments';
import { convertBundle } from '../../../protocols/hl7v3/convert';
import { validatePrescriptionOrder } from '../../../protocols/eps/validate';
import { epsExamples } from '../../support/fixtures';

const examples = join(epsExamples, 'primary-care');
// An acute prescription of four items: GMC author, organisation with partOf, patient with one GP.
const BASE = join(examples, 'acute', 'nominated-pharmacy', 'medical-prescriber', '1-Prepare-Request-200_OK.json');
const AT = '2024-12-09T11:50:04+00:00';
const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test fixtures are edited freely
type Json = any;
const load = (): Json => JSON.parse(readFileSync(BASE, 'utf8'));
const of = (b: Json, type: string): Json[] =>
  b.entry.map((e: Json) => e.resource).filter((r: Json) => r.resourceType === type);
const one = (b: Json, type: string): Json => of(b, type)[0];

/** The canonical fragments of the base Bundle after `change`. */
function fragments(change: (b: Json) => void): string {
  const b = load();
  change(b);
  return canonicalFragments(b, AT);
}
/** The part of `xml` from `<name` up to its closing tag (first occurrence). */
function element(xml: string, name: string): string {
  const start = xml.indexOf(`<${name} `) >= 0 ? xml.indexOf(`<${name} `) : xml.indexOf(`<${name}>`);
  assert.ok(start >= 0, `no <${name}>`);
  const end = xml.indexOf(`</${name}>`, start);
  return xml.slice(start, end + name.length + 3);
}
function refused(change: (b: Json) => void, expression: string, message?: RegExp): void {
  assert.throws(
    () => fragments(change),
    (e: unknown) => {
      assert.ok(e instanceof FragmentError, `expected a FragmentError, got ${String(e)}`);
      assert.equal(e.expression, expression);
      if (message) assert.match(e.message, message);
      return true;
    },
  );
}
const CALL = {
  senderAsid: '200000001285',
  receiverAsid: '567456789789',
  userId: '555254239107',
  roleProfileId: '555254240100',
  now: new Date('2026-11-30T12:00:00Z'),
};

test('the base example still gives the fragments EPS gave (sanity for every mutation below)', () => {
  const f = fragments(() => {});
  assert.ok(
    f.includes('<telecom use="WP" value="tel:01234567890"></telecom>'),
    'f.includes(\'<telecom use="WP" value="tel:01234567890"></telecom>\')',
  );
  assert.ok(
    f.includes('<id extension="A83008" root="1.2.826.0.1285.0.1.10"></id></healthCareProvider>'),
    'f.includes(\'<id extension="A83008" root="1.2.826.0.1285.0.1.10"></id></healthCareProvider>\')',
  );
});

// patient.ts convertPatient: `hl7V3Patient.telecom = fhirPatient.telecom.map(tel => convertTelecom(tel, "Patient.telecom"))`,
// set after addr and before patientPerson (models/hl7-v3/patient.ts Patient: id, addr, telecom, patientPerson).
// demographics.ts convertTelecom/convertTelecomValue: the telecom's own use; whitespace removed; "tel:" added unless there.
test('patient telecom is included, every one, each with its own use (patient.ts convertPatient)', () => {
  const f = fragments((b) => {
    one(b, 'Patient').telecom = [
      { system: 'phone', use: 'home', value: '01234 567 890' },
      { system: 'phone', use: 'mobile', value: 'tel:07700900123' },
      { system: 'phone', value: '0300 123' },
    ];
  });
  assert.ok(
    f.includes(
      '<postalCode>KT11 2QY</postalCode></addr><telecom use="HP" value="tel:01234567890"></telecom><telecom use="MC" value="tel:07700900123"></telecom><telecom value="tel:0300123"></telecom><patientPerson ',
    ),
    element(f, 'Patient'),
  );
});

// patient.ts convertPatientToProviderPatient: no generalPractitioner → UNKNOWN_GP_ODS_CODE ("V81999",
// translation/common/index.ts); more than one → onlyElement refuses (Patient.generalPractitioner).
test('a patient with no GP gets V81999 as responsible party; two GPs are refused (patient.ts)', () => {
  for (const gp of [undefined, []]) {
    const f = fragments((b) => {
      one(b, 'Patient').generalPractitioner = gp;
    });
    assert.ok(
      f.includes(
        '<responsibleParty typeCode="RESP"><healthCareProvider classCode="PROV"><id extension="V81999" root="1.2.826.0.1285.0.1.10"></id></healthCareProvider></responsibleParty>',
      ),
      element(f, 'patientCareProvision'),
    );
  }
  refused((b) => {
    const p = one(b, 'Patient');
    p.generalPractitioner.push({ identifier: { system: ODS, value: 'B81001' } });
  }, 'Patient.generalPractitioner');
});

// demographics.ts convertTelecomUse (home→HP, work→WP, temp→HV, mobile→MC) and convertAddressUse
// (home→H, work→WP, temp→TMP, billing→PST); no use → no use attribute; any other use → InvalidValueError at <path>.use.
test("telecom and address uses come from each one's own use (demographics.ts)", () => {
  let f = fragments((b) => {
    one(b, 'Patient').address[0].use = 'temp';
    one(b, 'PractitionerRole').telecom = [
      { system: 'phone', use: 'mobile', value: '07700 900456' },
      { system: 'phone', use: 'temp', value: '01234' },
    ];
    one(b, 'Organization').telecom[0].use = 'temp';
    one(b, 'Organization').address[0].use = 'billing';
  });
  assert.ok(element(f, 'Patient').includes('<addr use="TMP">'), "element(f, 'Patient').includes('<addr use=\"TMP\">')");
  // getAgentPersonTelecom maps every PractitionerRole telecom, not only the first.
  assert.ok(
    f.includes(
      '<code code="R8000" codeSystem="1.2.826.0.1285.0.2.1.104"></code><telecom use="MC" value="tel:07700900456"></telecom><telecom use="HV" value="tel:01234"></telecom><agentPerson ',
    ),
    'f.includes(\'<code code="R8000" codeSystem="1.2.826.0.1285.0.2.1.104"></code><telecom use="MC" val…',
  );
  const org = element(f, 'representedOrganization');
  assert.ok(
    org.includes('<name>HALLGARTH SURGERY</name><telecom use="HV" value="tel:01159737320"></telecom><addr use="PST">'),
    org,
  );

  f = fragments((b) => {
    delete one(b, 'Patient').address[0].use;
    delete one(b, 'Organization').telecom[0].use;
    delete one(b, 'Organization').address[0].use;
  });
  assert.ok(
    element(f, 'Patient').includes('<addr><streetAddressLine>10 HEATHFIELD'),
    "element(f, 'Patient').includes('<addr><streetAddressLine>10 HEATHFIELD')",
  );
  assert.ok(
    element(f, 'representedOrganization').includes(
      '<telecom value="tel:01159737320"></telecom><addr><streetAddressLine>',
    ),
    "element(f, 'representedOrganization').includes('<telecom value=\"tel:01159737320\"></telecom><addr>…",
  );
  f = fragments((b) => {
    one(b, 'Patient').address[0].use = 'home';
  });
  assert.ok(element(f, 'Patient').includes('<addr use="H">'), "element(f, 'Patient').includes('<addr use=\"H\">')");

  refused(
    (b) => {
      one(b, 'PractitionerRole').telecom[0].use = 'old';
    },
    'PractitionerRole.telecom.use',
    /Unhandled telecom use 'old'/,
  );
  refused((b) => {
    one(b, 'Patient').telecom = [{ value: '1', use: 'constructor' }];
  }, 'Patient.telecom.use');
  refused((b) => {
    one(b, 'Patient').address[0].use = 'toString';
  }, 'Patient.address.use');
});

// organization.ts convertRepresentedOrganizationDetails: onlyElement(Organization.telecom) and
// onlyElement(Organization.address) — none or two is refused, never "the first".
test('the cost centre must have exactly one telecom and one address (organization.ts)', () => {
  refused((b) => {
    const o = one(b, 'Organization');
    o.telecom.push({ system: 'phone', use: 'work', value: '1' });
  }, 'Organization.telecom');
  refused((b) => {
    delete one(b, 'Organization').address;
  }, 'Organization.address');
});

// demographics.ts convertName/convertNameUse: usual and official → L, temp/anonymous → A, nickname →
// PREFERRED, old → PREVIOUS, maiden → PREVIOUS-MAIDEN; no use → none; other → refused at Patient.name.use.
// The text only when there are no parts; parts in the order prefix, given, family, suffix. Every name (patient.name.map).
test("name use: official is L like usual, and the rest of EPS's table (demographics.ts convertNameUse)", () => {
  const cases: Array<[string | undefined, string]> = [
    ['official', '<name use="L">'],
    ['usual', '<name use="L">'],
    ['anonymous', '<name use="A">'],
    ['nickname', '<name use="PREFERRED">'],
    ['old', '<name use="PREVIOUS">'],
    ['maiden', '<name use="PREVIOUS-MAIDEN">'],
    [undefined, '<name><prefix>MS</prefix>'],
  ];
  for (const [use, expected] of cases) {
    const f = fragments((b) => {
      const n = one(b, 'Patient').name[0];
      if (use) n.use = use;
      else delete n.use;
    });
    assert.ok(element(f, 'patientPerson').includes(expected), `${use}: ${element(f, 'patientPerson').slice(0, 120)}`);
  }
  const f = fragments((b) => {
    one(b, 'Patient').name = [
      { use: 'official', family: 'SMITH', given: ['JO'], suffix: ['OBE'], text: 'ignored' },
      { use: 'maiden', text: 'Jo Jones' },
    ];
  });
  assert.ok(
    f.includes(
      '<patientPerson classCode="PSN" determinerCode="INSTANCE"><name use="L"><given>JO</given><family>SMITH</family><suffix>OBE</suffix></name><name use="PREVIOUS-MAIDEN">Jo Jones</name><administrativeGenderCode',
    ),
    element(f, 'patientPerson'),
  );
  refused(
    (b) => {
      one(b, 'Patient').name[0].use = 'constructor';
    },
    'Patient.name.use',
    /Unhandled name use/,
  );
  // The practitioner's one name is mapped the same way (practitioner.ts convertAgentPersonPerson: onlyElement(Practitioner.name)).
  assert.ok(
    fragments((b) => {
      one(b, 'Practitioner').name[0].use = 'official';
    }).includes('<name use="L"><prefix>DR</prefix><given>C</given><family>BOIN</family></name>'),
    "fragments((b) => { one(b, 'Practitioner').name[0].use = 'official'; }).includes('<name use=\"L\"><p…",
  );
  refused((b) => {
    one(b, 'Practitioner').name.push({ family: 'X' });
  }, 'Practitioner.name');
});

// prescription.ts convertRepeatNumber: continuous → Interval(1, 1) whatever numberOfRepeatsAllowed says;
// continuous-repeat-dispensing → 1 .. numberOfRepeatsAllowed + 1 of the first MedicationRequest;
// otherwise none. Every line item gets that one repeatNumber (convertPrescriptionPertinentInformation2),
// and the fragment drops low (signature.ts getLineItemWithoutRepeatNumberLow).
test("continuous: every line item's repeat high is 1, not numberOfRepeatsAllowed + 1 (prescription.ts convertRepeatNumber)", () => {
  const f = fragments((b) => {
    for (const mr of of(b, 'MedicationRequest')) {
      mr.courseOfTherapyType.coding[0].code = 'continuous';
      mr.dispenseRequest.numberOfRepeatsAllowed = 3;
    }
  });
  assert.equal(
    f.split(
      '<effectiveTime nullFlavor="NA"></effectiveTime><repeatNumber><high value="1"></high></repeatNumber><product ',
    ).length - 1,
    4,
  );
  assert.ok(!f.includes('<high value="4">'), '!f.includes(\'<high value="4">\')');
  // The full message agrees: prescription and line items both 1..1.
  const b = load();
  for (const mr of of(b, 'MedicationRequest')) {
    mr.courseOfTherapyType.coding[0].code = 'continuous';
    mr.dispenseRequest.numberOfRepeatsAllowed = 3;
  }
  const xml = convertBundle(b, CALL).xml;
  assert.equal(
    (xml.match(/<repeatNumber>\s*<low value="1"\/>\s*<high value="1"\/>\s*<\/repeatNumber>/g) ?? []).length,
    5,
  );
});

test("repeat dispensing: high is the first item's numberOfRepeatsAllowed + 1, required; mixed courses as EPS (course-of-therapy-type.ts)", () => {
  const erd = (b: Json) => {
    for (const mr of of(b, 'MedicationRequest')) {
      mr.courseOfTherapyType.coding[0].code = 'continuous-repeat-dispensing';
      mr.dispenseRequest.numberOfRepeatsAllowed = 5;
    }
  };
  assert.equal(fragments(erd).split('<repeatNumber><high value="6"></high></repeatNumber>').length - 1, 4);
  refused((b) => {
    erd(b);
    for (const mr of of(b, 'MedicationRequest')) delete mr.dispenseRequest.numberOfRepeatsAllowed;
  }, 'MedicationRequest.dispenseRequest.numberOfRepeatsAllowed');
  // acute + continuous counts as acute: no repeat numbers at all.
  assert.ok(
    !fragments((b) => {
      of(b, 'MedicationRequest')[1].courseOfTherapyType.coding[0].code = 'continuous';
    }).includes('<repeatNumber>'),
    "!fragments((b) => { of(b, 'MedicationRequest')[1].courseOfTherapyType.coding[0].code = 'continuou…",
  );
  // acute + repeat dispensing is refused, as EPS's getCourseOfTherapyTypeCode does.
  refused((b) => {
    of(b, 'MedicationRequest')[1].courseOfTherapyType.coding[0].code = 'continuous-repeat-dispensing';
  }, 'MedicationRequest.courseOfTherapyType.coding');
});

// demographics.ts convertGender: male 1, female 2, other 9, unknown 0; anything else (or none) → InvalidValueError at Patient.gender.
test("gender: EPS's four values, anything else refused naming Patient.gender (no throw from Object.prototype)", () => {
  for (const [g, code] of [
    ['male', '1'],
    ['female', '2'],
    ['other', '9'],
    ['unknown', '0'],
  ]) {
    assert.ok(
      fragments((b) => {
        one(b, 'Patient').gender = g;
      }).includes(`<administrativeGenderCode code="${code}" `),
      "fragments((b) => { one(b, 'Patient').gender = g; }).includes(`<administrativeGenderCode code=\"${c…",
    );
  }
  for (const g of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'Male', 7, undefined]) {
    refused(
      (b) => {
        one(b, 'Patient').gender = g;
      },
      'Patient.gender',
      /Unhandled gender/,
    );
    const b = load();
    one(b, 'Patient').gender = g;
    assert.throws(
      () => convertBundle(b, CALL),
      (e: unknown) => e instanceof FragmentError && e.expression === 'Patient.gender',
    );
  }
});

// common/index.ts getMedicationCoding: medicationCodeableConcept's one SNOMED coding, else the
// referenced Medication's code (resolved by fullUrl) — so the same medicine either way gives the same message.
test('medicationReference is supported: the same fragments as the codeable concept (common getMedicationCoding)', () => {
  const plain = fragments(() => {});
  const byRef = fragments((b) => {
    for (const [i, mr] of of(b, 'MedicationRequest').entries()) {
      b.entry.push({
        fullUrl: `urn:uuid:00000000-0000-4000-8000-00000000000${i}`,
        resource: { resourceType: 'Medication', code: mr.medicationCodeableConcept },
      });
      mr.medicationReference = { reference: `urn:uuid:00000000-0000-4000-8000-00000000000${i}` };
      delete mr.medicationCodeableConcept;
    }
  });
  assert.equal(byRef, plain);
  refused((b) => {
    const mr = one(b, 'MedicationRequest');
    delete mr.medicationCodeableConcept;
    mr.medicationReference = { reference: 'urn:uuid:missing' };
  }, 'MedicationRequest.medicationReference');
  // getCodingForSystem: exactly one SNOMED coding, whatever else is listed.
  const extra = fragments((b) => {
    one(b, 'MedicationRequest').medicationCodeableConcept.coding.unshift({
      system: 'https://example.org/local',
      code: 'X1',
    });
  });
  assert.equal(extra, plain);
  refused((b) => {
    one(b, 'MedicationRequest').medicationCodeableConcept.coding[0].system = 'https://example.org/local';
  }, 'MedicationRequest.medicationCodeableConcept.coding');
});

// organization.ts convertRepresentedOrganization: with PractitionerRole.healthcareService the cost centre
// is the HealthcareService (its ODS code, name, one telecom; the address of its one Location); the
// provider licence is still the Organization's (its partOf, or the Organization itself when it has none).
test('a HealthcareService cost centre is supported (organization.ts CostCentreHealthcareService)', () => {
  const withService = (b: Json) => {
    one(b, 'PractitionerRole').healthcareService = [{ reference: 'urn:uuid:hs-1' }];
    b.entry.push({
      fullUrl: 'urn:uuid:hs-1',
      resource: {
        resourceType: 'HealthcareService',
        identifier: [{ system: ODS, value: 'A99968' }],
        name: 'SOMERSET BOWEL CANCER SCREENING CENTRE',
        telecom: [{ system: 'phone', use: 'work', value: '01823 333444' }],
        location: [{ reference: 'urn:uuid:loc-1' }],
      },
    });
    b.entry.push({
      fullUrl: 'urn:uuid:loc-1',
      resource: {
        resourceType: 'Location',
        address: { use: 'work', line: ['MUSGROVE PARK HOSPITAL'], city: 'TAUNTON', postalCode: 'TA1 5DA' },
      },
    });
  };
  const org = element(fragments(withService), 'representedOrganization');
  assert.equal(
    org,
    '<representedOrganization classCode="ORG" determinerCode="INSTANCE"><id extension="A99968" root="1.2.826.0.1285.0.1.10"></id><code code="999" codeSystem="2.16.840.1.113883.2.1.3.2.4.17.94"></code><name>SOMERSET BOWEL CANCER SCREENING CENTRE</name><telecom use="WP" value="tel:01823333444"></telecom><addr use="WP"><streetAddressLine>MUSGROVE PARK HOSPITAL</streetAddressLine><streetAddressLine>TAUNTON</streetAddressLine><postalCode>TA1 5DA</postalCode></addr><healthCareProviderLicense classCode="PROV"><Organization classCode="ORG" determinerCode="INSTANCE"><id extension="84H" root="1.2.826.0.1285.0.1.10"></id><code code="999" codeSystem="2.16.840.1.113883.2.1.3.2.4.17.94"></code><name>NHS COUNTY DURHAM CCG</name></Organization></healthCareProviderLicense></representedOrganization>',
  );
  // No partOf: the Organization is its own licence (convertHealthCareProviderLicense).
  const self = element(
    fragments((b) => {
      withService(b);
      delete one(b, 'Organization').partOf;
    }),
    'healthCareProviderLicense',
  );
  assert.ok(
    self.includes(
      '<id extension="A83008" root="1.2.826.0.1285.0.1.10"></id><code code="999" codeSystem="2.16.840.1.113883.2.1.3.2.4.17.94"></code><name>HALLGARTH SURGERY</name>',
    ),
    self,
  );
  refused((b) => {
    withService(b);
    delete one(b, 'Location').address;
  }, 'Location.address');
  refused((b) => {
    withService(b);
    delete one(b, 'HealthcareService').name;
  }, 'HealthcareService.name');
  refused((b) => {
    withService(b);
    one(b, 'HealthcareService').telecom = [];
  }, 'HealthcareService.telecom');
  refused((b) => {
    withService(b);
    one(b, 'PractitionerRole').healthcareService = [{ reference: 'urn:uuid:nowhere' }];
  }, 'PractitionerRole.healthcareService');
  // The whole message carries the same author, so what is sent is what was signed.
  const b = load();
  withService(b);
  assert.ok(
    convertBundle(b, CALL).xml.includes('<name>SOMERSET BOWEL CANCER SCREENING CENTRE</name>'),
    "convertBundle(b, CALL).xml.includes('<name>SOMERSET BOWEL CANCER SCREENING CENTRE</name>')",
  );
});

// practitioner.ts getAgentPersonPersonIdForAuthor: exactly one of GMC (leading C or c dropped), GMP, NMC,
// GPhC, HCPC, professional-code; none or several → refused at Practitioner.identifier.
test('the author has exactly one professional code (practitioner.ts getAgentPersonPersonIdForAuthor)', () => {
  assert.ok(
    fragments((b) => {
      one(b, 'Practitioner').identifier[1].value = 'c6095103';
    }).includes('<id extension="6095103" root="1.2.826.0.1285.0.2.1.54"></id>'),
    "fragments((b) => { one(b, 'Practitioner').identifier[1].value = 'c6095103'; }).includes('<id exte…",
  );
  refused(
    (b) => {
      one(b, 'Practitioner').identifier.push({ system: 'https://fhir.hl7.org.uk/Id/nmc-number', value: '12A3456B' });
    },
    'Practitioner.identifier',
    /found 2/,
  );
  refused(
    (b) => {
      one(b, 'Practitioner').identifier.splice(1, 1);
    },
    'Practitioner.identifier',
    /found 0/,
  );
});

// line-item.ts convertAdditionalInstructions builds the value with xml-js's js2xml (lib/js2xml.js
// writeText: "&amp;" → "&", then & < > escaped) and EPS then writes that string as the element's text
// (serialisation/xml.ts writeXml keeps it exactly): the escaping is part of what is signed. The note is
// onlyElementOrNull (two refused); the medication list is every List a CommunicationRequest payload
// references, then every payload text (prescription.ts extractMedicationListText, extractPatientInfoText).
test("additional instructions carry js2xml's escaping; one note at most; lists by reference (line-item.ts)", () => {
  const f = fragments((b) => {
    one(b, 'MedicationRequest').note = [{ text: 'Take with food & water <daily>, not &amp;' }];
  });
  assert.ok(
    f.includes('<value>Take with food &amp;amp; water &amp;lt;daily&amp;gt;, not &amp;amp;</value>'),
    element(f, 'pertinentAdditionalInstructions'),
  );
  refused((b) => {
    one(b, 'MedicationRequest').note = [{ text: 'a' }, { text: 'b' }];
  }, 'MedicationRequest.note');
  const g = fragments((b) => {
    b.entry.push({
      fullUrl: 'urn:uuid:list-1',
      resource: { resourceType: 'List', entry: [{ item: { display: 'Salbutamol & spacer' } }, { item: {} }] },
    });
    b.entry.push({
      fullUrl: 'urn:uuid:list-2',
      resource: { resourceType: 'List', entry: [{ item: { display: 'Not referenced' } }] },
    });
    b.entry.push({
      fullUrl: 'urn:uuid:cr-1',
      resource: {
        resourceType: 'CommunicationRequest',
        payload: [{ contentString: 'Bring <this>' }, { contentReference: { reference: 'urn:uuid:list-1' } }],
      },
    });
    b.entry.push({
      fullUrl: 'urn:uuid:cr-2',
      resource: { resourceType: 'CommunicationRequest', payload: [{ contentString: 'Second' }] },
    });
  });
  assert.ok(
    g.includes(
      '<value>&lt;medication&gt;Salbutamol &amp;amp; spacer&lt;/medication&gt;&lt;patientInfo&gt;Bring &amp;lt;this&amp;gt;&lt;/patientInfo&gt;&lt;patientInfo&gt;Second&lt;/patientInfo&gt;</value>',
    ),
    element(g, 'pertinentAdditionalInstructions'),
  );
  assert.ok(!g.includes('Not referenced'), "!g.includes('Not referenced')");
  assert.equal(
    g.split('pertinentAdditionalInstructions').length - 1,
    2,
    'the list and texts go on the first line item only',
  );
});

// job-role-code.ts getJobRoleCodeOrName: the SDS job role code, else the UK Core job role name coding,
// else refused; practitioner.ts createAgentPerson writes no code when PractitionerRole.code is absent.
test('job role: code, else name coding, else refused (job-role-code.ts getJobRoleCodeOrName)', () => {
  const byName = fragments((b) => {
    one(b, 'PractitionerRole').code[0].coding.shift();
  });
  assert.ok(
    byName.includes('<code code="R8000" codeSystem="1.2.826.0.1285.0.2.1.104"></code>'),
    'byName.includes(\'<code code="R8000" codeSystem="1.2.826.0.1285.0.2.1.104"></code>\')',
  );
  refused((b) => {
    one(b, 'PractitionerRole').code[0].coding = [{ system: 'https://example.org/roles', code: 'X' }];
  }, 'PractitionerRole.code');
  assert.ok(
    fragments((b) => {
      delete one(b, 'PractitionerRole').code;
    }).includes('<id extension="200102238987" root="1.2.826.0.1285.0.2.0.67"></id><telecom '),
    "fragments((b) => { delete one(b, 'PractitionerRole').code; }).includes('<id extension=\"2001022389…",
  );
});

// practitioner.ts getAgentPersonTelecom: PractitionerRole.telecom, else Practitioner.telecom; neither → refused.
test("author telecoms fall back to the practitioner's; none is refused (practitioner.ts getAgentPersonTelecom)", () => {
  const f = fragments((b) => {
    delete one(b, 'PractitionerRole').telecom;
    one(b, 'Practitioner').telecom = [{ system: 'phone', use: 'work', value: '0113 496 0000' }];
  });
  assert.ok(
    f.includes('</code><telecom use="WP" value="tel:01134960000"></telecom><agentPerson '),
    'f.includes(\'</code><telecom use="WP" value="tel:01134960000"></telecom><agentPerson \')',
  );
  refused((b) => {
    delete one(b, 'PractitionerRole').telecom;
  }, 'PractitionerRole.telecom');
});

// validation/bundle-validator.ts: medicationCodeableConcept and medicationReference together are refused
// (createMedicationFieldIssue); a primary care (01xx) prescriber may not name a HealthcareService and
// its Organization needs partOf (checkPrimaryCarePrescriptionResources).
test("validation accepts medicationReference and refuses what EPS's bundle validator refuses", () => {
  const b = load();
  assert.deepEqual(validatePrescriptionOrder(b), []);
  const mr = one(b, 'MedicationRequest');
  b.entry.push({
    fullUrl: 'urn:uuid:med-1',
    resource: { resourceType: 'Medication', code: mr.medicationCodeableConcept },
  });
  mr.medicationReference = { reference: 'urn:uuid:med-1' };
  assert.deepEqual(
    validatePrescriptionOrder(b).map((i) => i.expression?.[0]),
    ['Bundle.entry.resource.ofType(MedicationRequest)[0].medicationReference'],
  );
  delete mr.medicationCodeableConcept;
  assert.deepEqual(validatePrescriptionOrder(b), []);
  mr.medicationReference.reference = 'urn:uuid:nowhere';
  assert.deepEqual(
    validatePrescriptionOrder(b).map((i) => i.expression?.[0]),
    ['Bundle.entry.resource.ofType(MedicationRequest)[0].medicationReference'],
  );

  const c = load();
  one(c, 'PractitionerRole').healthcareService = [{ reference: 'urn:uuid:hs-1' }];
  assert.deepEqual(
    validatePrescriptionOrder(c).map((i) => i.expression?.[0]),
    ['PractitionerRole.healthcareService'],
  );
  const d = load();
  delete one(d, 'Organization').partOf;
  assert.deepEqual(
    validatePrescriptionOrder(d).map((i) => i.expression?.[0]),
    ['Organization.partOf'],
  );
});
