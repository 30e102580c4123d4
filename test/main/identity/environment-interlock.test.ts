// Hazard H-15: a test card never signs in to a live environment, and a real card never to the sandbox.
// Over the identity service with the real PIV emulator in-process: refused before any PIN try, and
// nothing reaches the broker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { PivCard } from '../../../sandbox/card/piv-card';
import { inProcessReader } from '../../../sandbox/card/in-process';
import type { CardFile } from '../../../sandbox/card/card-file';
import { CardService } from '../../../main/card/card-service';
import { InProcessConnector } from '../../../main/card/in-process-connector';
import { IdentityService } from '../../../main/identity/identity-service';
import type { Broker } from '../../../main/identity/broker';
import {
  checkCardForEnvironment,
  isScripSandbox,
  type EnvironmentTrust,
} from '../../../main/identity/environment-interlock';
import { EventBus } from '../../../main/events';
import { openDatabase } from '../../../main/store/database';
import { AuditLog } from '../../../main/store/audit';
import { Preferences } from '../../../main/store/preferences';
import { ScripError } from '../../../main/errors';
import { newCard, testCa, PIN } from '../../sandbox/card/fixture';

const READER = 'Interlock Reader 00';

/** A CA that is not Scrip's, with a certificate for the card's own 9A key: a stand-in for a real NHS card. */
function foreignCa(): { pem: string; reissue: (card: CardFile) => CardFile } {
  const keys = forge.pki.rsa.generateKeyPair(2048);
  const ca = forge.pki.createCertificate();
  const name = [
    { shortName: 'C', value: 'GB' },
    { shortName: 'O', value: 'nhs' },
    { shortName: 'OU', value: 'CA' },
    { shortName: 'CN', value: 'Test Stand-in Level 1C' },
  ];
  ca.publicKey = keys.publicKey;
  ca.serialNumber = '01';
  ca.validity.notBefore = new Date(Date.now() - 86_400_000);
  ca.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
  ca.setSubject(name);
  ca.setIssuer(name);
  ca.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }]);
  ca.sign(keys.privateKey, forge.md.sha256.create());
  const reissue = (card: CardFile): CardFile => {
    const old = new X509Certificate(Buffer.from(card.keys['9a'].certificateDer, 'hex'));
    const spki = old.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const c = forge.pki.createCertificate();
    c.publicKey = forge.pki.publicKeyFromPem(spki);
    c.serialNumber = '0a';
    c.validity.notBefore = new Date(Date.now() - 86_400_000);
    c.validity.notAfter = new Date(Date.now() + 365 * 86_400_000);
    c.setSubject([
      { shortName: 'O', value: 'nhs' },
      { shortName: 'OU', value: 'people' },
      { shortName: 'CN', value: card.holder.userId },
    ]);
    c.setIssuer(name);
    c.sign(keys.privateKey, forge.md.sha256.create());
    const der = forge.asn1.toDer(forge.pki.certificateToAsn1(c)).getBytes();
    return {
      ...card,
      keys: {
        ...card.keys,
        '9a': { ...card.keys['9a'], certificateDer: Buffer.from(der, 'binary').toString('hex').toUpperCase() },
      },
    };
  };
  return { pem: forge.pki.certificateToPem(ca), reissue };
}

function setup(card: CardFile, environment: EnvironmentTrust) {
  const pivCard = new PivCard(card);
  const cards = new CardService(new InProcessConnector({ [READER]: inProcessReader(pivCard) }));
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'scrip-interlock-')), 'db.sqlite'));
  const calls: string[] = [];
  const broker = {
    baseUrl: 'https://broker.test',
    activate: async () => {
      calls.push('activate');
      throw new Error('the broker must not be reached');
    },
    validate: async () => {
      calls.push('validate');
      throw new Error('the broker must not be reached');
    },
    selectRole: async () => undefined,
    roleAssertion: async () => ({ xml: '', selectedRoleId: null, roles: [] }),
    logout: async () => undefined,
  } as unknown as Broker;
  const identity = new IdentityService({
    cards,
    events: new EventBus(),
    audit: new AuditLog(db),
    preferences: new Preferences(db),
    broker: () => broker,
    environment: () => environment,
    buildAuthResponse: () => '',
  });
  identity.onReaders({
    service: 'running',
    readers: [
      { name: READER, present: true, atr: '3B', pinPad: false, cardType: null, inUse: false, pinRetries: null },
    ],
  });
  return { identity, cards, calls };
}

async function refusedBeforeThePin(card: CardFile, env: EnvironmentTrust, expected: 'test' | 'live'): Promise<void> {
  const { identity, cards, calls } = setup(card, env);
  const before = (await cards.status(READER)).pin.retriesLeft;
  await assert.rejects(
    identity.login({ pin: PIN }),
    (e: unknown) => {
      assert.ok(e instanceof ScripError, 'the refusal is a ScripError the UI can show');
      assert.equal(e.code, 'wrong-environment', `refused as wrong-environment, not ${e.code}: ${e.message}`);
      assert.equal(e.details?.card, expected, 'the refusal says which kind of card it saw');
      return true;
    },
    'the login is refused',
  );
  assert.deepEqual(calls, [], 'nothing was sent to the broker');
  assert.equal((await cards.status(READER)).pin.retriesLeft, before, 'no passcode try was used');
  assert.notEqual(identity.view().state, 'authenticated', 'no session was made');
}

test('a sandbox-issued card is refused on an environment that does not trust the sandbox CA', async () => {
  const live = foreignCa();
  await refusedBeforeThePin(newCard(), { name: 'nhs-int', caPem: live.pem }, 'test');
  await refusedBeforeThePin(newCard(), { name: 'nhs-int', caPem: null }, 'test');
});

test('a card from another CA is refused on the sandbox', async () => {
  const live = foreignCa();
  await refusedBeforeThePin(live.reissue(newCard()), { name: 'sandbox', caPem: null }, 'live');
});

test('matching pairs pass: the test card on a sandbox (built in or saved with the sandbox CA), a real card elsewhere', () => {
  const caPem = testCa().bundlePem();
  assert.ok(isScripSandbox({ name: 'sandbox', caPem: null }), 'the built-in sandbox is a sandbox');
  assert.ok(
    isScripSandbox({ name: 'second-sandbox', caPem }),
    'an environment trusting a Scrip sandbox CA is a sandbox',
  );
  assert.ok(!isScripSandbox({ name: 'nhs-int', caPem: foreignCa().pem }), 'an environment trusting another CA is not');
  assert.doesNotThrow(
    () =>
      checkCardForEnvironment(
        { issuer: 'C=GB\nO=nhs\nOU=CA\nCN=Scrip Sandbox Authentication G2' },
        { name: 'second-sandbox', caPem },
      ),
    'the test card is fine on a sandbox',
  );
  assert.doesNotThrow(
    () => checkCardForEnvironment({ issuer: 'C=GB, O=nhs, OU=CA, CN=NHS Level 1C' }, { name: 'nhs-int', caPem: null }),
    'a real card is fine on a live environment',
  );
  assert.throws(
    () => checkCardForEnvironment({ issuer: 'CN=Not Scrip Sandbox CA' }, { name: 'sandbox', caPem: null }),
    /not issued by the Scrip sandbox/,
    'a name merely containing the words is not the sandbox CA',
  );
});
