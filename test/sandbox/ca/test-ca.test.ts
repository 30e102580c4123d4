import { strict as assert } from 'node:assert';
import { X509Certificate, createPrivateKey, generateKeyPairSync, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import forge from 'node-forge';
import { openTestCa, TestCaError, type TestCa } from '../../../sandbox/ca';

describe('sandbox test CA', () => {
  let dir: string;
  let ca: TestCa;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scrip-ca-'));
    ca = openTestCa(dir, { baseUrl: 'https://localhost:4443/' });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('creates a G2-style hierarchy whose intermediates chain to the root', () => {
    const root = new X509Certificate(ca.root.pem);
    const auth = new X509Certificate(ca.auth.pem);
    const sign = new X509Certificate(ca.sign.pem);
    assert.equal(root.subject, 'C=GB\nO=nhs\nOU=CA\nCN=Scrip Sandbox Root Authority G2');
    assert.ok(root.ca && auth.ca && sign.ca, 'root.ca && auth.ca && sign.ca');
    assert.ok(root.verify(root.publicKey), 'root.verify(root.publicKey)');
    assert.ok(
      auth.checkIssued(root) && auth.verify(root.publicKey),
      'auth.checkIssued(root) && auth.verify(root.publicKey)',
    );
    assert.ok(sign.verify(root.publicKey), 'sign.verify(root.publicKey)');
    assert.match(auth.subject, /CN=Scrip Sandbox Authentication G2/);
    assert.equal(statSync(join(dir, 'root.key.pem')).mode & 0o777, 0o600);
  });

  test('reopening the directory keeps the same CA', () => {
    const again = openTestCa(dir);
    assert.equal(again.root.pem, ca.root.pem);
    assert.equal(again.baseUrl, 'https://localhost:4443');
  });

  test('issues NHS-style auth and signing certificates for RSA and EC keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { auth, sign } = ca.issueUserCertificates({
      userId: '555000111222',
      displayName: 'Dr Ada Example',
      authPublicKey: rsa.publicKey,
      signPublicKey: ec.publicKey,
    });
    const a = new X509Certificate(auth.pem);
    const s = new X509Certificate(sign.pem);
    assert.equal(a.subject, 'O=nhs\nOU=people\nCN=555000111222');
    assert.ok(
      a.verify(new X509Certificate(ca.auth.pem).publicKey),
      'a.verify(new X509Certificate(ca.auth.pem).publicKey)',
    );
    assert.ok(
      s.verify(new X509Certificate(ca.sign.pem).publicKey),
      's.verify(new X509Certificate(ca.sign.pem).publicKey)',
    );
    assert.equal(a.publicKey.asymmetricKeyType, 'rsa');
    assert.equal(s.publicKey.asymmetricKeyType, 'ec');
    assert.equal(a.serialNumber, auth.serial);
    assert.match(a.subjectAltName ?? '', /DirName:.*CN=Dr Ada Example/);
    // key usage and CRL distribution point, read with forge
    const fa = forge.pki.certificateFromPem(auth.pem);
    const ku = fa.getExtension('keyUsage') as { digitalSignature?: boolean; nonRepudiation?: boolean };
    assert.equal(ku.digitalSignature, true);
    assert.notEqual(ku.nonRepudiation, true);
    assert.ok(
      auth.der.includes(Buffer.from('https://localhost:4443/crl/auth.crl')),
      "auth.der.includes(Buffer.from('https://localhost:4443/crl/auth.crl'))",
    );
    assert.ok(
      sign.der.includes(Buffer.from('https://localhost:4443/crl/sign.crl')),
      "sign.der.includes(Buffer.from('https://localhost:4443/crl/sign.crl'))",
    );
    assert.equal(auth.chainPem, auth.pem + ca.auth.pem);
    // as an NHS card's: authentication digitalSignature + keyEncipherment (BIT STRING 03 02 05 A0),
    // signing contentCommitment (nonRepudiation) only (03 02 06 40)
    assert.ok(auth.der.includes(Buffer.from('030205a0', 'hex')), 'auth key usage: digitalSignature + keyEncipherment');
    assert.ok(sign.der.includes(Buffer.from('03020640', 'hex')), 'signing key usage: nonRepudiation only');
    assert.ok(
      a.validTo && new Date(a.validTo).getTime() - new Date(a.validFrom).getTime() === 730 * 86_400_000,
      'valid for 730 days',
    );
  });

  test('keeps a register of what it issued, by issuer and serial number, that survives reopening', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const { auth, sign } = ca.issueUserCertificates({
      userId: '555000111444',
      displayName: 'Dr Register',
      authPublicKey: rsa.publicKey,
      signPublicKey: rsa.publicKey,
    });
    const reopened = openTestCa(dir);
    const entry = reopened.issued('auth', auth.serial.toLowerCase());
    assert.ok(entry, 'the authentication certificate is on the register after reopening');
    assert.ok(entry.der?.equals(auth.der), 'the register holds the certificate exactly as issued');
    assert.equal(entry.subjectText, 'O=nhs, OU=people, CN=555000111444', 'subject on the register');
    assert.equal(reopened.issued('sign', auth.serial), null, "the same serial is not on the Signing CA's register");
    assert.ok(
      reopened.issued('sign', sign.serial)?.der?.equals(sign.der),
      "the signing certificate is on the Signing CA's register",
    );
    assert.equal(reopened.issued('auth', '1234ABCD'), null, 'a serial never issued is not on the register');
  });

  test('rejects a malformed user id', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    assert.throws(
      () => ca.issueAuthCertificate({ userId: '12345', displayName: 'X', publicKey: rsa.publicKey }),
      TestCaError,
    );
  });

  test('revocation appears in a CRL signed by the issuing CA', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const cert = ca.issueAuthCertificate({
      userId: '555000111333',
      displayName: 'Revoked Person',
      publicKey: rsa.publicKey,
    });
    assert.equal(ca.isRevoked(cert.serial), false);
    ca.revoke(cert.serial.toLowerCase(), 'keyCompromise');
    ca.revoke(cert.serial); // idempotent
    assert.equal(ca.isRevoked(cert.serial), true);
    assert.throws(() => ca.revoke('ABCDEF'), TestCaError);

    const crl = ca.crlDer('auth');
    const node = forge.asn1.fromDer(forge.util.createBuffer(crl.toString('binary')));
    const [tbs, , sig] = node.value as forge.asn1.Asn1[];
    const tbsDer = Buffer.from(forge.asn1.toDer(tbs!).getBytes(), 'binary');
    const sigBytes = Buffer.from((sig!.value as string).slice(1), 'binary');
    assert.ok(
      nodeVerify('sha256', tbsDer, new X509Certificate(ca.auth.pem).publicKey, sigBytes),
      "nodeVerify('sha256', tbsDer, new X509Certificate(ca.auth.pem).publicKey, sigBytes)",
    );
    assert.ok(crl.includes(Buffer.from(cert.serial, 'hex')), "crl.includes(Buffer.from(cert.serial, 'hex'))");
    assert.ok(
      !ca.crlDer('sign').includes(Buffer.from(cert.serial, 'hex')),
      "!ca.crlDer('sign').includes(Buffer.from(cert.serial, 'hex'))",
    );
  });

  test('issues a loopback TLS certificate from the root', () => {
    const tls = ca.issueTlsCertificate();
    const c = new X509Certificate(tls.certPem);
    assert.ok(
      c.verify(new X509Certificate(ca.root.pem).publicKey),
      'c.verify(new X509Certificate(ca.root.pem).publicKey)',
    );
    assert.equal(c.checkHost('localhost'), 'localhost');
    assert.equal(c.checkIP('127.0.0.1'), '127.0.0.1');
    assert.ok(c.checkPrivateKey(createPrivateKey(tls.keyPem)), 'c.checkPrivateKey(createPrivateKey(tls.keyPem))');
  });
});
