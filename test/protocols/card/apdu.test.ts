import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ApduError,
  chainCommand,
  encodeCommand,
  fromHex,
  hex,
  parseCommand,
  parseResponse,
} from '../../../protocols/card/apdu';
import { cmd, KEY, ALG } from '../../../protocols/card/piv';

describe('APDUs', () => {
  test('encodes the PIV SELECT and VERIFY commands exactly as SP 800-73-4 shows', () => {
    assert.equal(hex(encodeCommand(cmd.select())), '00A4040009A0000003080000100000');
    assert.equal(
      hex(encodeCommand(cmd.verify(0x80, '123456'))),
      '002000800831323334353636FFFF'.replace('353636', '3536'),
    );
    assert.equal(hex(encodeCommand(cmd.verify(0x80))), '00200080');
    assert.equal(hex(encodeCommand(cmd.getData(0x5fc105))), '00CB3FFF055C035FC10500');
  });

  test('chains a 2048-bit GENERAL AUTHENTICATE like yubico-piv-tool', () => {
    const c = cmd.generalAuthenticate(ALG.RSA2048, KEY.AUTHENTICATION, new Uint8Array(256).fill(0x11));
    const parts = chainCommand(c).map((p) => encodeCommand(p));
    assert.equal(parts.length, 2);
    assert.equal(hex(parts[0]!.subarray(0, 9)), '1087079AFF7C820106');
    assert.equal(hex(parts[1]!.subarray(0, 5)), '0087079A0B');
    assert.equal(parts[1]!.length, 5 + 11 + 1);
  });

  test('uses the extended form only when needed', () => {
    assert.equal(
      hex(encodeCommand({ cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff, data: new Uint8Array(300) }).subarray(0, 7)),
      '00DB3FFF00012C',
    );
    assert.equal(hex(encodeCommand({ cla: 0, ins: 0xc0, p1: 0, p2: 0, le: 256 })), '00C0000000');
    assert.equal(hex(encodeCommand({ cla: 0, ins: 0xc0, p1: 0, p2: 0, le: 65536 })), '00C00000000000');
  });

  test('parses every ISO case', () => {
    assert.deepEqual(parseCommand(fromHex('00200080')).data.length, 0);
    assert.equal(parseCommand(fromHex('00C0000000')).le, 256);
    assert.equal(hex(parseCommand(fromHex('00A4040005A000000308')).data), 'A000000308');
    const c4 = parseCommand(fromHex('00A4040005A00000030800'));
    assert.equal(c4.le, 256);
    const e = parseCommand(
      encodeCommand({ cla: 0, ins: 0xdb, p1: 0, p2: 0, data: new Uint8Array(300).fill(7), le: 0 }, { extended: true }),
    );
    assert.equal(e.data.length, 300);
    assert.equal(e.extended, true);
    assert.throws(() => parseCommand(fromHex('00A4040005A0')), ApduError);
    assert.throws(() => parseCommand(fromHex('00A4')), ApduError);
  });

  test('property: encode/parse round-trip', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.option(fc.integer({ min: 1, max: 65536 }), { nil: undefined }),
        (data, le) => {
          const c = { cla: 0, ins: 0x87, p1: 7, p2: 0x9a, data, ...(le === undefined ? {} : { le }) };
          const p = parseCommand(encodeCommand(c));
          assert.deepEqual(p.data, data);
          assert.equal(p.le, le);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('property: random bytes parse or raise ApduError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          parseCommand(b);
        } catch (e) {
          if (!(e instanceof ApduError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('parses responses', () => {
    const r = parseResponse(fromHex('AABB63C2'));
    assert.equal(r.sw, 0x63c2);
    assert.equal(hex(r.data), 'AABB');
    assert.throws(() => parseResponse(fromHex('90')), ApduError);
  });
});
