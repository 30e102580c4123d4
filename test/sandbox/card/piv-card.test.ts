import { strict as assert } from 'node:assert';
import {
  createHash,
  createPublicKey,
  verify as nodeVerify,
  X509Certificate,
  constants,
  publicDecrypt,
} from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  ALG,
  certificateDer,
  chainCommand,
  cmd,
  decodeCertContainer,
  digestInfo,
  encodeCommand,
  fromHex,
  hex,
  KEY,
  OBJ,
  parseAuthenticateResponse,
  parseResponse,
  pkcs1v15Pad,
  type CommandApdu,
  type ResponseApdu,
} from '../../../protocols/card';
import { PivCard } from '../../../sandbox/card/piv-card';
import type { CardFile } from '../../../sandbox/card/card-file';
import { newCard, PIN, PUK } from './fixture';

function host(card: PivCard) {
  const raw = (c: CommandApdu): ResponseApdu => parseResponse(card.transmit(encodeCommand(c)));
  return {
    raw,
    /** Chains, then follows 61xx with GET RESPONSE. */
    send(c: CommandApdu): ResponseApdu {
      let r!: ResponseApdu;
      for (const p of chainCommand(c)) r = raw(p);
      let data = r.data;
      while (r.sw1 === 0x61) {
        r = raw(cmd.getResponse(r.sw2 || 256));
        data = Uint8Array.from([...data, ...r.data]);
      }
      return { ...r, data };
    },
  };
}

describe('virtual PIV card', () => {
  const file = newCard();
  const fresh = (f: CardFile = file, persist?: (f: CardFile) => void) => new PivCard(f, persist);

  test('SELECT answers by 5, 9 and 11 byte AID and refuses others', () => {
    const h = host(fresh());
    for (const aid of ['A000000308', 'A00000030800001000', 'A000000308000010000100']) {
      const r = h.raw(cmd.select(fromHex(aid)));
      assert.equal(r.sw, 0x9000, aid);
      assert.equal(hex(r.data.subarray(0, 1)), '61');
    }
    assert.equal(h.raw(cmd.select(fromHex('A000000397425446590201'))).sw, 0x6a82);
  });

  test('GET DATA returns certificates through 61xx / GET RESPONSE and the discovery object', async () => {
    const h = host(fresh());
    const first = h.raw(cmd.getData(OBJ.CERT_9A));
    assert.equal(first.sw1, 0x61);
    assert.equal(first.data.length, 256);
    const r = h.send(cmd.getData(OBJ.CERT_9A));
    assert.equal(r.sw, 0x9000);
    const cert = new X509Certificate(await certificateDer(decodeCertContainer(r.data)));
    assert.equal(cert.subject, 'O=nhs\nOU=people\nCN=555123456789');
    assert.equal(hex(h.send(cmd.getData(OBJ.DISCOVERY)).data), '7E124F0BA0000003080000100001005F2F024010');
    assert.equal(h.send(cmd.getData(0x5fc103)).sw, 0x6a82);
  });

  test('compressed certificates carry the CertInfo gzip bit', async () => {
    const h = host(fresh(newCard({ compressCertificates: true })));
    const c = decodeCertContainer(h.send(cmd.getData(OBJ.CERT_9C)).data);
    assert.equal(c.compressed, true);
    assert.match(new X509Certificate(await certificateDer(c)).issuer, /Signing G2/);
  });

  test('VERIFY: status query, wrong PIN counts down, block, and the counter persists', () => {
    let saved: CardFile | null = null;
    const h = host(
      fresh(newCard(), (f) => {
        saved = f;
      }),
    );
    assert.equal(h.raw(cmd.verify(0x80)).sw, 0x63c3);
    assert.equal(h.raw(cmd.verify(0x80, '000000')).sw, 0x63c2);
    assert.equal(saved!.pin.tries, 2);
    assert.equal(h.raw(cmd.verify(0x80, '12345')).sw, 0x6a80, 'malformed PIN costs nothing');
    assert.equal(h.raw(cmd.verify(0x80)).sw, 0x63c2);
    assert.equal(h.raw(cmd.verify(0x80, PIN)).sw, 0x9000);
    assert.equal(h.raw(cmd.verify(0x80)).sw, 0x9000);
    assert.equal(saved!.pin.tries, 3);
    assert.equal(h.raw(cmd.resetVerified()).sw, 0x9000);
    assert.equal(h.raw(cmd.verify(0x80)).sw, 0x63c3);
    h.raw(cmd.verify(0x80, '000000'));
    h.raw(cmd.verify(0x80, '000000'));
    assert.equal(h.raw(cmd.verify(0x80, '000000')).sw, 0x6983);
    assert.equal(h.raw(cmd.verify(0x80, PIN)).sw, 0x6983);
    // a new card object from the persisted file is still blocked
    const again = host(fresh(saved!));
    assert.equal(again.raw(cmd.verify(0x80)).sw, 0x6983);
    // PUK unblocks
    assert.equal(again.raw(cmd.resetRetryCounter('11111111', '246810')).sw, 0x63c2);
    assert.equal(again.raw(cmd.resetRetryCounter(PUK, '246810')).sw, 0x9000);
    assert.equal(again.raw(cmd.verify(0x80, '246810')).sw, 0x9000);
  });

  test('CHANGE REFERENCE DATA changes the PIN', () => {
    const h = host(fresh(newCard()));
    assert.equal(h.raw(cmd.changeReferenceData(0x80, '999999', '13572468')).sw, 0x63c2);
    assert.equal(h.raw(cmd.changeReferenceData(0x80, PIN, '1357')).sw, 0x6a80);
    assert.equal(h.raw(cmd.changeReferenceData(0x80, PIN, '13572468')).sw, 0x9000);
    h.raw(cmd.resetVerified());
    assert.equal(h.raw(cmd.verify(0x80, PIN)).sw, 0x63c2);
    assert.equal(h.raw(cmd.verify(0x80, '13572468')).sw, 0x9000);
  });

  test('GENERAL AUTHENTICATE RSA-2048 with chaining; 9A once per session, 9C PIN always', async () => {
    const card = fresh();
    const h = host(card);
    const cert = new X509Certificate(await certificateDer(decodeCertContainer(h.send(cmd.getData(OBJ.CERT_9A)).data)));
    const block = pkcs1v15Pad(digestInfo('sha256', createHash('sha256').update('hello').digest()), 256);
    assert.equal(h.send(cmd.generalAuthenticate(ALG.RSA2048, KEY.AUTHENTICATION, block)).sw, 0x6982);
    h.raw(cmd.verify(0x80, PIN));
    for (let i = 0; i < 2; i++) {
      const r = h.send(cmd.generalAuthenticate(ALG.RSA2048, KEY.AUTHENTICATION, block));
      assert.equal(r.sw, 0x9000);
      const sig = parseAuthenticateResponse(r.data);
      assert.ok(
        nodeVerify('sha256', Buffer.from('hello'), cert.publicKey, sig),
        "nodeVerify('sha256', Buffer.from('hello'), cert.publicKey, sig)",
      );
    }
    // 9C: one signature per VERIFY (the 9A uses above consumed the last one)
    assert.equal(h.send(cmd.generalAuthenticate(ALG.RSA2048, KEY.SIGNATURE, block)).sw, 0x6982);
    h.raw(cmd.verify(0x80, PIN));
    assert.equal(h.send(cmd.generalAuthenticate(ALG.RSA2048, KEY.SIGNATURE, block)).sw, 0x9000);
    assert.equal(h.send(cmd.generalAuthenticate(ALG.RSA2048, KEY.SIGNATURE, block)).sw, 0x6982);
    h.raw(cmd.verify(0x80, PIN));
    assert.equal(h.send(cmd.generalAuthenticate(ALG.RSA2048, KEY.SIGNATURE, block)).sw, 0x9000);
    // wrong algorithm, wrong length
    assert.equal(h.send(cmd.generalAuthenticate(ALG.ECC_P256, KEY.AUTHENTICATION, block)).sw, 0x6a80);
    assert.equal(h.send(cmd.generalAuthenticate(ALG.RSA2048, KEY.AUTHENTICATION, block.subarray(1))).sw, 0x6700);
    // power cycle clears the verified state
    card.reset();
    assert.equal(h.send(cmd.generalAuthenticate(ALG.RSA2048, KEY.AUTHENTICATION, block)).sw, 0x6982);
    // the raw RSA result matches the block
    h.raw(cmd.verify(0x80, PIN));
    const sig = parseAuthenticateResponse(h.send(cmd.generalAuthenticate(ALG.RSA2048, KEY.AUTHENTICATION, block)).data);
    assert.deepEqual(
      new Uint8Array(publicDecrypt({ key: cert.publicKey, padding: constants.RSA_NO_PADDING }, sig)),
      block,
    );
  });

  test('GENERAL AUTHENTICATE ECC P-256 signs the given hash', async () => {
    const h = host(fresh(newCard({ algorithm: 'p256' })));
    const cert = new X509Certificate(await certificateDer(decodeCertContainer(h.send(cmd.getData(OBJ.CERT_9A)).data)));
    h.raw(cmd.verify(0x80, PIN));
    const r = h.send(
      cmd.generalAuthenticate(ALG.ECC_P256, KEY.AUTHENTICATION, createHash('sha256').update('data').digest()),
    );
    assert.equal(r.sw, 0x9000);
    assert.ok(
      nodeVerify(
        'sha256',
        Buffer.from('data'),
        createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })),
        parseAuthenticateResponse(r.data),
      ),
      "nodeVerify('sha256', Buffer.from('data'), createPublicKey(cert.publicKey.export({ type: 'spki', f…",
    );
  });

  test('a broken chain is refused', () => {
    const h = host(fresh());
    assert.equal(h.raw({ cla: 0x10, ins: 0x87, p1: 7, p2: 0x9a, data: new Uint8Array(10) }).sw, 0x9000);
    assert.equal(h.raw({ cla: 0x00, ins: 0xcb, p1: 0x3f, p2: 0xff, data: fromHex('5C035FC102') }).sw, 0x6883);
    assert.equal(h.raw({ cla: 0x80, ins: 0xcb, p1: 0x3f, p2: 0xff }).sw, 0x6e00);
  });

  test('property: junk APDUs always get a status word, never an exception', () => {
    const card = fresh();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (b) => {
        const r = card.transmit(b);
        assert.ok(r.length >= 2, 'r.length >= 2');
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(0x20, 0x24, 0x2c, 0x87, 0xcb, 0xa4, 0xc0),
        fc.uint8Array({ maxLength: 40 }),
        fc.nat(255),
        (ins, data, p2) => {
          const r = card.transmit(encodeCommand({ cla: 0, ins, p1: 0, p2, data }));
          assert.ok(r.length >= 2, 'r.length >= 2');
        },
      ),
      { numRuns: 2000 },
    );
  });
});
