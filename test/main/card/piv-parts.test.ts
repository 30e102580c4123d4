import { strict as assert } from 'node:assert';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { encodeResponse, fromHex, hex, parseCommand } from '../../../protocols/card';
import { ApduSession } from '../../../main/card/apdu-session';
import { matchAtr } from '../../../main/card/atr-table';
import { displayNameOf, identityFrom } from '../../../main/card/card-certificates';
import { pinError } from '../../../main/card/piv-driver';
import { ScripError } from '../../../main/errors';
import { testCa } from '../../sandbox/card/fixture';

describe('ATR table', () => {
  test('recognises the virtual card, masks YubiKey variants, and marks NHS JCOP41 unsupported', () => {
    assert.equal(matchAtr(fromHex('3B88800153637269705049561D'))?.family, 'piv');
    assert.equal(matchAtr(fromHex('3BF81300008131FE15597562696B65793499'))?.name, 'YubiKey');
    assert.equal(matchAtr(fromHex('3BF91800008131FE454A434F503431563232AF'))?.family, 'unsupported');
    assert.equal(matchAtr(fromHex('3B8F8001804F0CA000000306030001000000006A')), null);
  });
});

describe('APDU session', () => {
  test('re-sends on 6Cxx and follows 61xx', async () => {
    const sent: string[] = [];
    const answers = [
      encodeResponse(new Uint8Array(0), 0x6c05),
      encodeResponse(fromHex('0102'), 0x6103),
      encodeResponse(fromHex('030405'), 0x9000),
    ];
    const s = new ApduSession({
      reader: 'r',
      atr: new Uint8Array(0),
      transmit: async (apdu) => {
        sent.push(hex(apdu));
        return answers.shift()!;
      },
    });
    const r = await s.send({ cla: 0, ins: 0xca, p1: 0, p2: 0, le: 0 });
    assert.deepEqual(sent, ['00CA000000', '00CA000005', '00C0000003']);
    assert.equal(hex(r.data), '0102030405');
    assert.equal(s.apdus, 3);
  });

  test('stops a chain the card refuses', async () => {
    const sent: number[] = [];
    const s = new ApduSession({
      reader: 'r',
      atr: new Uint8Array(0),
      transmit: async (apdu) => {
        sent.push(parseCommand(apdu).cla);
        return encodeResponse(new Uint8Array(0), 0x6982);
      },
    });
    const r = await s.send({ cla: 0, ins: 0x87, p1: 7, p2: 0x9a, data: new Uint8Array(600) });
    assert.equal(r.sw, 0x6982);
    assert.deepEqual(sent, [0x10]);
  });
});

describe('identity and PIN errors', () => {
  test('reads the user id and display name; refuses a subject without a 12-digit CN', () => {
    const ca = testCa();
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const c = ca.issueAuthCertificate({
      userId: '102048843983',
      displayName: 'Nurse Jo Bloggs, RN',
      publicKey: k.publicKey,
    });
    const id = identityFrom(c.der, null);
    assert.equal(id.userId, '102048843983');
    assert.equal(id.displayName, 'Nurse Jo Bloggs, RN');
    assert.equal(id.auth.keyAlgorithm, 'EC P-256');
    assert.equal(displayNameOf(ca.root.der), null);
    assert.throws(
      () => identityFrom(ca.root.der, null),
      (e: unknown) => e instanceof ScripError && e.code === 'unsupported-card',
    );
  });

  test('status words map to the catalogue', () => {
    assert.equal(pinError(0x63c2).details?.retriesLeft, 2);
    assert.equal(pinError(0x63c0).code, 'pin-blocked');
    assert.equal(pinError(0x6983).code, 'pin-blocked');
    assert.equal(pinError(0x6a80).code, 'pin-format');
    assert.equal(pinError(0x6f00).code, 'card-error');
    assert.equal(pinError(0x63c1, 'PUK').details?.puk, true);
  });
});
