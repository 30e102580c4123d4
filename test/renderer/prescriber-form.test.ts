// The prescriber details form's pure parts: form ⇄ settings, each of Scrip's problems placed on its
// field in words, and the settings page's routes. Checked against the real schema Scrip validates with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prescriberSettings } from '../../main/prescribing/prescriber-settings';
import {
  blankForm,
  fieldOf,
  formFromSettings,
  placeServerProblems,
  problemWords,
  settingsFromForm,
  type PrescriberForm,
} from '../../renderer/src/prescribing/prescriber-form';
import { prescriberHref, settingsRoute } from '../../renderer/src/prescribing/nav';
import { placeholderParts } from '../../renderer/src/prescribing/rx-words';

const filled: PrescriberForm = {
  ...blankForm,
  regulator: 'gmc',
  code: '1234567',
  telecom: '0113 496 0000',
  orgName: 'Test Surgery',
  orgTelecom: '0113 496 0001',
  addressLines: ['1 High Street', '', ''],
  city: 'Leeds',
  postcode: 'ls1 6ae',
  parentOds: 'qwo',
  parentName: 'West Yorkshire ICB',
};

/** What prescriber.set would answer for a form: the problems as the command builds them. */
function serverProblems(f: PrescriberForm): Array<{ field: string; message: string }> {
  const r = prescriberSettings.safeParse(settingsFromForm(f));
  return r.success ? [] : r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
}

test("a filled form is what Scrip accepts; blank optional fields are left to Scrip's defaults", () => {
  const s = settingsFromForm(filled);
  assert.deepEqual(serverProblems(filled), []);
  assert.equal('name' in s, false);
  assert.equal('jobRoleCode' in s, false);
  const org = s.organisation as Record<string, unknown>;
  assert.deepEqual(org.addressLines, ['1 High Street']);
  assert.equal('odsCode' in org, false);
  assert.equal('district' in org, false);
  const parsed = prescriberSettings.parse(s);
  assert.equal(parsed.organisation.postcode, 'LS1 6AE');
  // And back: a saved setting fills the form as it was typed (three address lines at least).
  const again = formFromSettings(parsed);
  assert.equal(again.addressLines.length, 3);
  assert.equal(again.parentOds, 'QWO');
  assert.deepEqual(serverProblems(again), []);
});

test('a name is sent only when some part is given; given names split on spaces', () => {
  const s = settingsFromForm({ ...filled, prefix: 'Dr', given: 'Clare  Anne', family: 'Boin' });
  assert.deepEqual(s.name, { prefix: 'Dr', given: ['Clare', 'Anne'], family: 'Boin' });
  const half = { ...filled, given: 'Clare' };
  const placed = placeServerProblems({ problems: serverProblems(half) }, 'x', half);
  assert.deepEqual(placed, [{ field: 'family', text: 'Enter your family name.' }]);
});

test('every problem of an empty form lands on its field, in words', () => {
  const empty = { ...blankForm, addressLines: ['', '', ''] };
  const placed = placeServerProblems({ problems: serverProblems(empty) }, 'x', empty);
  const byField = Object.fromEntries(placed.map((p) => [p.field, p.text]));
  assert.equal(byField.regulator, 'Choose your regulator.');
  assert.equal(byField.telecom, 'A telephone number is digits, spaces and brackets, e.g. 0113 496 0000.');
  assert.equal(byField.orgName, "Enter the organisation's name.");
  assert.equal(byField['address-0'], 'Enter at least one address line.');
  assert.equal(byField.postcode, 'Enter a UK postcode, e.g. LS1 6AE.');
  assert.ok(
    placed.every((p) => p.field !== null),
    JSON.stringify(placed),
  );
  // Primary care (01xx) needs the parent organisation; other types do not.
  const orphan = { ...filled, parentOds: '', parentName: '' };
  assert.match(
    placeServerProblems({ problems: serverProblems(orphan) }, 'x', orphan).find((p) => p.field === 'parentOds')?.text ??
      '',
    /Primary care prescriptions need the organisation your practice belongs to/,
  );
  assert.deepEqual(serverProblems({ ...orphan, prescriptionType: '1001' }), []);
  // A regulator's own format is explained on the number.
  const nmc = { ...filled, regulator: 'nmc' as const, code: '1234567' };
  assert.deepEqual(placeServerProblems({ problems: serverProblems(nmc) }, 'x', nmc), [
    { field: 'code', text: 'An NMC PIN looks like 12A3456B.' },
  ]);
});

test('problem paths map to fields; unknown ones go to the summary only', () => {
  assert.equal(fieldOf('professionalCode.system'), 'regulator');
  assert.equal(fieldOf('organisation.addressLines.2'), 'address-2');
  assert.equal(fieldOf('organisation.partOf.name'), 'parentName');
  assert.equal(fieldOf('organisation.partOf'), 'parentOds');
  assert.equal(fieldOf('name.given.0'), 'given');
  assert.equal(fieldOf(''), null);
  assert.equal(fieldOf('somethingElse'), null);
  assert.deepEqual(placeServerProblems(undefined, 'Scrip said no.', filled), [{ field: null, text: 'Scrip said no.' }]);
  assert.equal(
    problemWords('orgName', 'Too big: expected string to have <=100 characters', filled),
    "The organisation's name can be at most 100 characters.",
  );
  assert.equal(problemWords('code', 'A GMC number is 7 digits.', filled), 'A GMC number is 7 digits.');
});

test('settings routes: the prescriber page, with a way back to a draft only for a draft ID', () => {
  const id = '0b6f6a36-3c43-4c1e-9d59-1f1c8f7f2a11';
  assert.deepEqual(settingsRoute('#/settings'), { page: 'environments' });
  assert.deepEqual(settingsRoute('#/settings/prescriber'), { page: 'prescriber', back: null });
  assert.deepEqual(settingsRoute(prescriberHref(id)), { page: 'prescriber', back: id });
  assert.deepEqual(settingsRoute('#/settings/prescriber?back=javascript:alert(1)'), { page: 'prescriber', back: null });
  assert.deepEqual(settingsRoute('#/prescribe/prescriber'), { page: 'environments' });
});

test("the preview's stand-ins split into what they are and the value shown", () => {
  assert.deepEqual(
    placeholderParts(
      'signing time 2026-11-30T15:00:00+00:00 (EPS sets it when the card signs; the start date is that day)',
    ),
    {
      what: 'signing time',
      value: '2026-11-30T15:00:00+00:00',
      note: 'EPS sets it when the card signs; the start date is that day',
    },
  );
  assert.deepEqual(placeholderParts('prescription ID 1A2B3C-A83008-00000X'), {
    what: 'prescription ID',
    value: '1A2B3C-A83008-00000X',
    note: '',
  });
  assert.deepEqual(placeholderParts('nothing'), { what: 'nothing', value: '', note: '' });
});
