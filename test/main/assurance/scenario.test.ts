// Scenario files: the schema's errors name the file, the line and the field; paths, matchers and
// captured values behave as the scenario language says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScenario, ScenarioError } from '../../../main/assurance/scenario';
import { interpolate, resultDifferences, valuesAt, redactSecrets } from '../../../main/assurance/values';
import { loadScenarios, selectScenarios } from '../../../main/assurance/library';

function problemsOf(text: string): ScenarioError['problems'] {
  try {
    parseScenario('s.yaml', text);
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `a ScenarioError, not ${String(e)}`);
    return e.problems;
  }
  assert.fail('the scenario should have been refused');
}

const good = `id: GOOD-01
title: A good scenario
requirements: [PRESC-SCAL-1.1.1]
steps:
  - login: prescriber
  - command: session.get
    expect: { result: { state: role-selected } }
`;

test('a good scenario parses, with defaults', () => {
  const s = parseScenario('good.yaml', good);
  assert.equal(s.id, 'GOOD-01', 'the ID');
  assert.equal(s.file, 'good.yaml', 'the file is kept');
  assert.equal(s.needs, 'sandbox', 'needs defaults to the sandbox');
  assert.equal(s.steps.length, 2, 'both steps');
});

test('a wrong field is named with its line', () => {
  const p = problemsOf(
    good.replace(
      '    expect: { result: { state: role-selected } }',
      '    expect: { reslut: { state: role-selected } }',
    ),
  );
  assert.equal(p.length, 1, JSON.stringify(p));
  assert.equal(p[0]!.file, 's.yaml', 'the file');
  assert.equal(p[0]!.line, 7, `the line of the bad key: ${JSON.stringify(p[0])}`);
  assert.equal(p[0]!.field, 'steps[1].expect', 'the field path');
  assert.match(p[0]!.message, /reslut/, 'the message names the unknown key');
});

test('a step of no known kind says which kinds there are, at its line', () => {
  const p = problemsOf(good.replace('  - login: prescriber', '  - logon: prescriber'));
  assert.equal(p[0]!.line, 5, JSON.stringify(p));
  assert.equal(p[0]!.field, 'steps[0]', 'the step');
  assert.match(p[0]!.message, /command .* card .* sandbox .* login/, p[0]!.message);
});

test('missing requirements and a bad ID are both reported', () => {
  const p = problemsOf(
    good.replace('id: GOOD-01', 'id: good one').replace('requirements: [PRESC-SCAL-1.1.1]', 'requirements: []'),
  );
  assert.deepEqual(
    p.map((x) => [x.field, x.line]),
    [
      ['id', 1],
      ['requirements', 3],
    ],
    JSON.stringify(p),
  );
});

test('broken YAML is reported once per line, with the line', () => {
  const p = problemsOf(
    good.replace('expect: { result: { state: role-selected } }', 'expect: { result: { a[0].b: 1 } }'),
  );
  assert.equal(p[0]!.field, '(YAML)', 'a YAML problem');
  assert.equal(p[0]!.line, 7, JSON.stringify(p));
  assert.equal(new Set(p.map((x) => x.line)).size, p.length, 'one problem per line');
});

test('paths reach into arrays, [*] checks every entry, and differences are said in words', () => {
  const r = {
    results: [
      { ok: true, code: 'R-0001' },
      { ok: false, code: 'R-0002' },
    ],
    status: 'accepted',
  };
  assert.deepEqual(valuesAt(r, 'results[*].code'), ['R-0001', 'R-0002'], 'every entry');
  assert.deepEqual(resultDifferences(r, { status: 'accepted', 'results[0].ok': true }), [], 'matches');
  assert.deepEqual(
    resultDifferences(r, { 'results[*].code': 'R-0001' }),
    ['results[*].code (entry 1): expected "R-0001", got "R-0002"'],
    'the differing entry',
  );
  assert.deepEqual(resultDifferences(r, { results: { length: 3 } }), ['results: expected 3 entries, got 2'], 'length');
  assert.deepEqual(
    resultDifferences(r, { status: { matches: '^acc' }, missing: { exists: false } }),
    [],
    'regex and absence',
  );
  assert.deepEqual(
    resultDifferences(r, { status: { notMatches: 'acc' } }),
    ['status: expected nothing matching /acc/, but it is there'],
    'notMatches',
  );
  assert.deepEqual(
    resultDifferences({ items: [] }, { 'items[*].x': 1 }),
    ['items[*].x: expected entries, got none'],
    'an empty [*] is a difference',
  );
});

test('captured values pass between steps, keeping their type when whole', () => {
  const scope = { rx: { id: 'abc', items: [{ lineId: 'L1' }] }, card: { pin: '123456' } };
  assert.deepEqual(
    interpolate({ ids: ['${rx.id}'], line: '${rx.items[0].lineId}', n: '${rx.items}', text: 'id ${rx.id}!' }, scope),
    { ids: ['abc'], line: 'L1', n: [{ lineId: 'L1' }], text: 'id abc!' },
    'interpolated',
  );
  assert.throws(() => interpolate('${rx2.id}', scope), /nothing was captured as "rx2"/, 'an unknown name is named');
  assert.throws(() => interpolate('${rx.nope}', scope), /"rx" has nothing at nope/, 'a missing field is named');
});

test('secrets are redacted from what the report shows', () => {
  assert.deepEqual(
    redactSecrets({ pin: '123456', nested: [{ puk: '1', newPin: '2', ok: 'Bearer abc.def' }] }),
    { pin: '[redacted]', nested: [{ puk: '[redacted]', newPin: '[redacted]', ok: 'Bearer [redacted]' }] },
    'redacted',
  );
});

test('the built-in library parses, every scenario names requirements, and selection works', () => {
  const all = loadScenarios([]);
  assert.ok(all.length >= 15, `the library has ${all.length} scenarios`);
  assert.ok(
    all.every((s) => s.requirements.length > 0),
    'each names requirements',
  );
  assert.deepEqual(
    selectScenarios(all, { requirement: ['DISP-SCAL-1.6.9'] }).map((s) => s.id),
    ['DISP-INVALID-SIG-01'],
    'by requirement',
  );
  assert.ok(
    selectScenarios(all, { requirement: ['PRESC-SCAL-3.*'] }).every((s) =>
      s.requirements.some((r) => r.startsWith('PRESC-SCAL-3.')),
    ),
    'by prefix',
  );
  assert.throws(
    () => selectScenarios(all, { only: ['NOPE-1'] }),
    /no scenario has this ID/,
    'an unknown --only ID is named',
  );
});
