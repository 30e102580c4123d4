import { strict as assert } from 'node:assert';
import { gzipSync } from 'node:zlib';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fromHex, hex } from '../../../protocols/card/apdu';
import {
  certificateDer,
  decodeCertContainer,
  decodeChuid,
  encodeApplicationTemplate,
  encodeCertContainer,
  encodeChuid,
  encodeDiscovery,
  isValidPin,
  padPin,
  parseAuthenticateResponse,
  PivFormatError,
  selectsPiv,
  TEST_FASCN,
  unpadPin,
} from '../../../protocols/card/piv';
import { digestInfo, digestInfoAlgorithm, pkcs1v15Pad } from '../../../protocols/card/pkcs1';
import { TlvError } from '../../../protocols/card/tlv';

describe('PIV objects', () => {
  test('certificate container round-trips, compressed or not', async () => {
    const der = fromHex('3003020101');
    assert.equal(hex(encodeCertContainer({ data: der, compressed: false })), '530C70053003020101710100FE00');
    assert.deepEqual(
      await certificateDer(decodeCertContainer(encodeCertContainer({ data: der, compressed: false }))),
      der,
    );
    const gz = decodeCertContainer(encodeCertContainer({ data: gzipSync(der), compressed: true }));
    assert.equal(gz.compressed, true);
    assert.deepEqual(await certificateDer(gz), der);
  });

  test('CHUID and discovery objects have the documented layout', () => {
    const chuid = encodeChuid({ fascn: TEST_FASCN, guid: new Uint8Array(16).fill(1), expiry: '20300101' });
    assert.equal(chuid.length, 61);
    assert.equal(hex(chuid.subarray(0, 4)), '533B3019');
    assert.equal(decodeChuid(chuid).expiry, '20300101');
    assert.equal(hex(encodeDiscovery()), '7E124F0BA0000003080000100001005F2F024010');
    assert.equal(hex(encodeApplicationTemplate('').subarray(0, 19)), '61114F0600001000010079074F05A000000308');
  });

  test('PIN padding and format', () => {
    assert.equal(hex(padPin('123456')), '313233343536FFFF');
    assert.equal(unpadPin(padPin('12345678')), '12345678');
    assert.equal(unpadPin(fromHex('31FF32FFFFFFFFFF')), null);
    assert.ok(isValidPin('123456') && isValidPin('12345678'), "isValidPin('123456') && isValidPin('12345678')");
    assert.ok(
      !isValidPin('12345') && !isValidPin('123456789') && !isValidPin('12345a'),
      "!isValidPin('12345') && !isValidPin('123456789') && !isValidPin('12345a')",
    );
  });

  test('SELECT accepts the 5, 9 and 11 byte AIDs only', () => {
    assert.ok(selectsPiv(fromHex('A000000308')), "selectsPiv(fromHex('A000000308'))");
    assert.ok(selectsPiv(fromHex('A00000030800001000')), "selectsPiv(fromHex('A00000030800001000'))");
    assert.ok(selectsPiv(fromHex('A000000308000010000100')), "selectsPiv(fromHex('A000000308000010000100'))");
    assert.ok(!selectsPiv(fromHex('A0000003')), "!selectsPiv(fromHex('A0000003'))");
    assert.ok(!selectsPiv(fromHex('A000000397425446590201')), "!selectsPiv(fromHex('A000000397425446590201'))");
  });

  test('PKCS#1 v1.5 padding of a SHA-256 DigestInfo', () => {
    const di = digestInfo('sha256', new Uint8Array(32));
    const block = pkcs1v15Pad(di, 256);
    assert.equal(hex(block.subarray(0, 3)), '0001FF');
    assert.equal(block[256 - 51 - 1], 0);
    assert.equal(digestInfoAlgorithm(di), 'sha256');
  });

  test('property: object decoders reject junk with typed errors only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        for (const f of [decodeCertContainer, decodeChuid, parseAuthenticateResponse]) {
          try {
            f(b);
          } catch (e) {
            if (!(e instanceof TlvError || e instanceof PivFormatError)) throw e;
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
