import { strict as assert } from 'node:assert';
import { createHash, verify as nodeVerify, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { inProcessReader } from '../../../sandbox/card/in-process';
import { PivCard } from '../../../sandbox/card/piv-card';
import type { CardFile } from '../../../sandbox/card/card-file';
import { CardService } from '../../../main/card/card-service';
import { InProcessConnector } from '../../../main/card/in-process-connector';
import { ScripError } from '../../../main/errors';
import { EventBus } from '../../../main/events';
import { newCard, PIN, PUK } from '../../sandbox/card/fixture';

const READER = 'Test Reader 00';
const sha256 = (s: string) => createHash('sha256').update(s).digest();

function setup(file: CardFile = newCard()) {
  const card = new PivCard(file);
  const slot = inProcessReader(card);
  const facts: Array<[string, unknown]> = [];
  const service = new CardService(new InProcessConnector({ [READER]: slot }), {
    listReaders: () => [{ name: READER, present: slot.inserted }],
    onFacts: (r, f) => facts.push([r, f]),
  });
  return { card, slot, service, facts };
}

async function rejects(p: Promise<unknown>, code: string, details?: Record<string, unknown>): Promise<ScripError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ScripError, `expected ScripError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (details) for (const [k, v] of Object.entries(details)) assert.equal(e.details?.[k], v, k);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('CardService over the in-process virtual card', () => {
  test('status shows holder, expiry and PIN retries before any PIN is typed', async () => {
    const { service, facts } = setup();
    const s = await service.status();
    assert.equal(s.reader, READER);
    assert.equal(s.cardType, 'piv');
    assert.equal(s.holder.userId, '555123456789');
    assert.equal(s.holder.displayName, 'Dr Test Person');
    assert.deepEqual(s.pin, { retriesLeft: 3, maxRetries: 3, blocked: false, verified: false });
    assert.match(s.certificates.auth.issuer, /Authentication G2/);
    assert.match(s.certificates.sign!.issuer, /Signing G2/);
    assert.equal(s.certificates.auth.keyAlgorithm, 'RSA-2048');
    assert.ok(new Date(s.certificateExpiry) > new Date(), 'new Date(s.certificateExpiry) > new Date()');
    assert.deepEqual(facts.at(-1), [READER, { cardType: 'piv', pinRetries: 3 }]);
    // certificates are cached by CHUID: the second status costs 3 APDUs (SELECT, GET CHUID, VERIFY)
    await service.status();
    assert.equal(service.lastApduCount, 3);
  });

  test('a wrong PIN reports retries left; format errors cost nothing; blocked after 3; PUK unblocks', async () => {
    const { service } = setup();
    await rejects(service.verifyPin({ pin: '12345' }), 'pin-format');
    await rejects(service.verifyPin({ pin: '000000' }), 'pin-wrong', { retriesLeft: 2 });
    assert.equal(service.facts(READER).pinRetries, 2);
    await rejects(service.verifyPin({ pin: '000000' }), 'pin-wrong', { retriesLeft: 1 });
    await rejects(service.verifyPin({ pin: '000000' }), 'pin-blocked');
    await rejects(service.verifyPin({ pin: PIN }), 'pin-blocked');
    assert.equal((await service.status()).pin.blocked, true);
    await rejects(service.unblockPin({ puk: '11112222', newPin: '24681357' }), 'pin-wrong', {
      retriesLeft: 2,
      puk: true,
    });
    const info = await service.unblockPin({ puk: PUK, newPin: '24681357' });
    assert.equal(info.retriesLeft, 3);
    await service.verifyPin({ pin: '24681357' });
  });

  test('change PIN', async () => {
    const { service } = setup();
    await rejects(service.changePin({ oldPin: '999999', newPin: '11223344' }), 'pin-wrong', { retriesLeft: 2 });
    await service.changePin({ oldPin: PIN, newPin: '11223344' });
    await rejects(service.verifyPin({ pin: PIN }), 'pin-wrong');
    await service.verifyPin({ pin: '11223344' });
  });

  test('signing: auth key once per session, sign key asks for the PIN every time', async () => {
    const { service } = setup();
    const data = { hash: sha256('prescription'), algorithm: 'sha256' as const };
    await rejects(service.sign({ kind: 'auth', data }), 'bad-state', { pinRequired: true });
    const a = await service.sign({ kind: 'auth', data, pin: PIN });
    assert.ok(
      nodeVerify('sha256', Buffer.from('prescription'), new X509Certificate(a.certificate).publicKey, a.signature),
      "nodeVerify('sha256', Buffer.from('prescription'), new X509Certificate(a.certificate).publicKey, a…",
    );
    // no PIN needed again for 9A in this card session
    await service.sign({ kind: 'auth', data });
    // 9C needs it every time
    await rejects(service.sign({ kind: 'sign', data }), 'bad-state', { pinRequired: true });
    const s = await service.sign({ kind: 'sign', data, pin: PIN });
    assert.ok(
      nodeVerify('sha256', Buffer.from('prescription'), new X509Certificate(s.certificate).publicKey, s.signature),
      "nodeVerify('sha256', Buffer.from('prescription'), new X509Certificate(s.certificate).publicKey, s…",
    );
    assert.equal(s.keyAlgorithm, 'RSA-2048');
    await rejects(service.sign({ kind: 'sign', data }), 'bad-state');
  });

  test('ECC P-256 cards sign too', async () => {
    const { service } = setup(newCard({ algorithm: 'p256', compressCertificates: true }));
    const r = await service.sign({ kind: 'sign', data: { hash: sha256('x'), algorithm: 'sha256' }, pin: PIN });
    assert.equal(r.keyAlgorithm, 'EC P-256');
    assert.ok(
      nodeVerify('sha256', Buffer.from('x'), new X509Certificate(r.certificate).publicKey, r.signature),
      "nodeVerify('sha256', Buffer.from('x'), new X509Certificate(r.certificate).publicKey, r.signature)",
    );
  });

  test('no card, card pulled mid-command, and the next insert works', async () => {
    const { service, slot } = setup();
    await service.status();
    slot.remove();
    await rejects(service.status(), 'no-card');
    await rejects(service.status(READER), 'no-card');
    slot.insert();
    await service.verifyPin({ pin: PIN });
    // pull the card while the signature APDUs are in flight
    const p = service.sign({ kind: 'auth', data: { hash: sha256('y'), algorithm: 'sha256' } });
    setImmediate(() => slot.remove());
    await rejects(p, 'card-removed');
    slot.insert();
    // the power cycle cleared the verified PIN: the card asks again
    await rejects(service.sign({ kind: 'auth', data: { hash: sha256('y'), algorithm: 'sha256' } }), 'bad-state');
    assert.equal((await service.status()).holder.userId, '555123456789');
  });

  test('unknown reader and no readers', async () => {
    const { service } = setup();
    await rejects(service.status('Nope'), 'no-readers');
    const empty = new CardService(new InProcessConnector({}), { listReaders: () => [] });
    await rejects(empty.status(), 'no-readers');
  });

  test('the PIN never appears in an error', async () => {
    const { service } = setup();
    const e = await rejects(service.verifyPin({ pin: '97531864' }), 'pin-wrong');
    assert.ok(!JSON.stringify(e.toBody()).includes('97531864'), "!JSON.stringify(e.toBody()).includes('97531864')");
    assert.ok(!e.message.includes('97531864'), "!e.message.includes('97531864')");
  });
});

test('the card service forgets a card that left its reader by itself, until it is disposed', async () => {
  const events = new EventBus();
  const card = new PivCard(newCard());
  const service = new CardService(new InProcessConnector({ [READER]: inProcessReader(card) }), { events });
  await service.pinInfo(READER);
  assert.equal(service.facts(READER).cardType, 'piv', 'the card was recognised');
  const gone = {
    service: 'running' as const,
    readers: [
      { name: READER, present: false, atr: null, pinPad: null, cardType: null, inUse: false, pinRetries: null },
    ],
  };
  events.emit('reader.changed', gone);
  assert.equal(service.facts(READER).cardType, null, 'what was learnt left with the card');
  await service.pinInfo(READER);
  service.dispose();
  events.emit('reader.changed', gone);
  assert.equal(service.facts(READER).cardType, 'piv', 'a disposed service no longer follows the readers');
});
