import { strict as assert } from 'node:assert';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fromHex, hex } from '../../../protocols/card/apdu';
import { lengthBytes, parseFirstTlv, parseTlv, parseTlvs, tlv, TlvError } from '../../../protocols/card/tlv';

describe('BER-TLV', () => {
  test('parses multi-byte tags and long lengths', () => {
    const der = new Uint8Array(300).fill(0xab);
    const enc = tlv(0x5fc105, der);
    assert.equal(hex(enc.subarray(0, 6)), '5FC10582012C');
    const t = parseTlv(enc);
    assert.equal(t.tag, 0x5fc105);
    assert.equal(t.value.length, 300);
  });

  test('parses a PIV certificate container flat, then its children on demand', () => {
    const t = parseTlv(fromHex('530A 7003 300100 710100 FE00'));
    assert.equal(t.tag, 0x53);
    const kids = parseTlvs(t.value);
    assert.deepEqual(
      kids.map((k) => k.tag),
      [0x70, 0x71, 0xfe],
    );
    assert.equal(kids[2]!.constructed, true);
  });

  test('nested parsing builds children', () => {
    const t = parseTlv(fromHex('7C06 8200 81020102'), { nested: true });
    assert.deepEqual(
      t.children.map((c) => [c.tag, hex(c.value)]),
      [
        [0x82, ''],
        [0x81, '0102'],
      ],
    );
  });

  for (const [name, h] of [
    ['indefinite length', '7C80 0000'],
    ['length past the end', '5303 0102'],
    ['truncated tag', '5F'],
    ['truncated multi-byte tag', '5FC1'],
    ['missing length', '53'],
    ['5-byte length', '5385 0000000001 00'],
    ['4-byte tag', '5FC1C1C101 00'],
    ['trailing bytes', '5300 01'],
    ['padding instead of a tag', '00'],
    ['empty', ''],
  ] as const) {
    test(`rejects ${name}`, () => assert.throws(() => parseTlv(fromHex(h)), TlvError));
  }

  test('rejects deep nesting without recursing forever', () => {
    let b: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 40; i++) b = tlv(0x7c, b);
    assert.throws(() => parseTlv(b, { nested: true }), /nesting too deep/);
    assert.equal(parseTlv(b).tag, 0x7c);
  });

  test('property: random bytes either parse within bounds or raise TlvError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, nested) => {
        try {
          const all = parseTlvs(bytes, { nested });
          const total = all.reduce((n, t) => n + t.value.length, 0);
          assert.ok(total <= bytes.length, 'total <= bytes.length');
        } catch (e) {
          if (!(e instanceof TlvError)) throw e;
        }
      }),
      { numRuns: 5000 },
    );
  });

  test('property: mutations of valid encodings never crash', () => {
    const arb = fc.record({
      tag: fc.constantFrom(0x53, 0x70, 0x7c, 0x5fc105, 0x5f2f, 0x81),
      value: fc.uint8Array({ maxLength: 400 }),
    });
    fc.assert(
      fc.property(fc.array(arb, { maxLength: 4 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (objs, pos, val) => {
        const enc = Uint8Array.from(objs.flatMap((o) => [...tlv(o.tag, o.value)]));
        if (enc.length) enc[pos % enc.length] = val;
        try {
          parseTlvs(enc, { nested: true });
        } catch (e) {
          if (!(e instanceof TlvError)) throw e;
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('property: encode then parse round-trips', () => {
    const arb = fc.record({
      tag: fc.oneof(fc.integer({ min: 1, max: 0x1e }), fc.constantFrom(0x53, 0x70, 0x7e, 0x5fc102, 0x5f2f)),
      value: fc.uint8Array({ maxLength: 70000 }),
    });
    fc.assert(
      fc.property(arb, ({ tag, value }) => {
        const t = parseTlv(tlv(tag, value));
        assert.equal(t.tag, tag);
        assert.deepEqual(t.value, value);
      }),
      { numRuns: 200 },
    );
  });

  test('lengths use the minimal form and parseFirstTlv reports bytes used', () => {
    assert.equal(hex(lengthBytes(127)), '7F');
    assert.equal(hex(lengthBytes(128)), '8180');
    assert.equal(hex(lengthBytes(256)), '820100');
    const { tlv: t, used } = parseFirstTlv(fromHex('5301AA 9000'));
    assert.equal(t.tag, 0x53);
    assert.equal(used, 3);
  });
});
