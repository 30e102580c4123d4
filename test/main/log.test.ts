// Scrip's log: secrets redacted by field name, files rotated by size, and every unexpected error
// logged with its stack under an incident ID that the person is shown.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { log, setLogger } from '../../main/log';
import { createLogger, logToDataDir, RotatingFile, REDACTED, type LogDestination } from '../../main/log-file';
import { ScripError, toScripError } from '../../main/errors';

const dir = mkdtempSync(join(tmpdir(), 'scrip-log-'));
after(() => {
  setLogger(createLogger({ write: () => undefined }, 'silent'));
  rmSync(dir, { recursive: true, force: true });
});

function capture(): { text: () => string; dest: LogDestination } {
  const raw: string[] = [];
  return {
    text: () => raw.join(''),
    dest: {
      write: (l) => {
        raw.push(l);
      },
    },
  };
}

test('PINs, tokens, keys and cookies are redacted by field name, nested or not', () => {
  const c = capture();
  const logger = createLogger(c.dest, 'info');
  logger.info(
    {
      pin: '482913',
      newPin: '135790',
      puk: '12345678',
      token: 'tok-AAAA',
      apiKey: 'scrip_0011_secretsecret',
      session: { token: 'tok-BBBB', ticket: 'tkt-CCCC' },
      req: { headers: { authorization: 'Bearer scrip_22_zzzz', cookie: 'scrip_session=cookie-DDDD' } },
      body: { card: { privateKey: '-----BEGIN PRIVATE KEY-----XYZ' } },
      reader: 'Virtual PCD 00 01',
    },
    'a line with secrets',
  );
  const text = c.text();
  for (const secret of [
    '482913',
    '135790',
    '12345678',
    'tok-AAAA',
    'secretsecret',
    'tok-BBBB',
    'tkt-CCCC',
    'zzzz',
    'cookie-DDDD',
    'PRIVATE KEY',
  ]) {
    assert.ok(!text.includes(secret), `${secret} must not reach the log: ${text}`);
  }
  const line = JSON.parse(text) as {
    pin: string;
    session: { token: string };
    req: { headers: { authorization: string } };
    reader: string;
  };
  assert.equal(line.pin, REDACTED, 'the field stays, its value does not');
  assert.equal(line.session.token, REDACTED, 'one level down');
  assert.equal(line.req.headers.authorization, REDACTED, 'two levels down');
  assert.equal(line.reader, 'Virtual PCD 00 01', 'everything else is kept');
});

test('the log file rotates by size and keeps a fixed number of old files, owner-only', () => {
  const file = join(dir, 'rot.log');
  const r = new RotatingFile(file, 1000, 2);
  const line = `${JSON.stringify({ msg: 'x'.repeat(80) })}\n`;
  for (let i = 0; i < 60; i++) r.write(line);
  r.close();
  assert.ok(existsSync(`${file}.1`) && existsSync(`${file}.2`), 'two old files kept');
  assert.ok(!existsSync(`${file}.3`), 'older ones dropped');
  for (const f of [file, `${file}.1`, `${file}.2`]) {
    assert.ok(statSync(f).size <= 1000, `${f} within its size`);
    assert.equal(statSync(f).mode & 0o777, 0o600, `${f} is readable by its owner only`);
  }
});

test('an unexpected error is logged with its stack under an incident ID that the person sees', () => {
  const c = capture();
  setLogger(createLogger(c.dest, 'info'));
  function deepInside(): never {
    throw new TypeError('cannot read properties of undefined');
  }
  let e: ScripError;
  try {
    deepInside();
  } catch (x) {
    e = toScripError(x);
  }
  const incident = e!.details?.incident as string;
  assert.match(incident, /^[0-9a-f]{4}-[0-9a-f]{4}$/, 'an incident ID a person can read out');
  assert.equal(e!.code, 'internal');
  assert.ok(
    e!.message.includes(incident) && e!.action.includes(incident),
    `the person is shown it: ${e!.message} ${e!.action}`,
  );
  assert.ok(!JSON.stringify(e!.toBody()).includes('deepInside'), 'no stack on the wire');
  const line = JSON.parse(c.text()) as { level: number; incident: string; err: { stack: string } };
  assert.equal(line.incident, incident, 'the log line carries the same incident');
  assert.equal(line.level, 50, 'logged as an error');
  assert.ok(line.err.stack.includes('deepInside'), 'with the stack of the original failure');
});

test('a ScripError("internal") made directly gets an incident too; an expected error is not logged', () => {
  const c = capture();
  setLogger(createLogger(c.dest, 'info'));
  new ScripError('bad-state', 'That cannot be done now.');
  assert.equal(c.text(), '', 'expected errors are answers, not incidents');
  const e = new ScripError('internal', 'prescription.get produced an answer that does not match its schema.');
  const incident = e.details?.incident as string;
  assert.ok(e.message.includes(`(incident ${incident})`), e.message);
  assert.ok(c.text().includes(incident), 'logged under it');
  // An error re-made from an agent's answer (CLI) keeps the agent's incident: no second one.
  const again = new ScripError('internal', e.message, e.details, e.action);
  assert.equal(again.details?.incident, incident, 'the same incident');
  assert.equal(again.message, e.message, 'the message is not extended twice');
});

test('the agent logs to <data dir>/logs/scrip.log', () => {
  const file = logToDataDir(join(dir, 'data'));
  log().info({ token: 'never-this' }, 'hello');
  const text = readFileSync(file, 'utf8');
  assert.ok(text.includes('"msg":"hello"'), text);
  assert.ok(!text.includes('never-this'), 'redacted in the file too');
  assert.equal(statSync(join(dir, 'data', 'logs')).mode & 0o777, 0o700, "the log folder is the owner's only");
});
