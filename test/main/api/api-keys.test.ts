// API keys signed by a keychain secret: HMAC rows, upgrade of old SHA-256 rows, and what happens
// with no keychain (nothing created, nothing stored in plain text, a clear error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { openDatabase } from '../../../main/store/database';
import { ApiKeyStore } from '../../../main/api/api-keys';
import { ScripError } from '../../../main/errors';
import { memoryKeychain, KeychainUnavailableError, type Keychain } from '../../../native/keychain/keychain';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../main/app';
import { FakeReaderWatch } from '../../support/fake-reader-watch';
import { InProcessConnector } from '../../../main/card/in-process-connector';
import { invokeCommand } from '../../../main/commands/invoke';
import { scopes } from '../../../main/api/scopes';
import { startApiServer } from '../../../main/api/server';

const ACCOUNT = 'api-key-secret:/test';
const noKeychain = (): Keychain => {
  throw new KeychainUnavailableError('no Secret Service on the session bus');
};

function rowOf(db: ReturnType<typeof openDatabase>, id: string) {
  return db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as {
    secret_hash: Buffer;
    hash_kind: string;
    signing_key_id: string | null;
  };
}

test('a new key is stored as HMAC-SHA-256 under a 256-bit secret created once in the keychain', () => {
  const db = openDatabase(':memory:');
  const kc = memoryKeychain();
  const store = new ApiKeyStore(db, { keychain: () => kc, account: ACCOUNT });
  const a = store.create('a', ['read']);
  const b = store.create('b', ['admin']);
  const secret = Buffer.from(kc.get(ACCOUNT)!, 'base64url');
  assert.equal(secret.length, 32);
  const row = rowOf(db, a.info.id);
  assert.equal(row.hash_kind, 'hmac-sha256');
  const keySecret = a.key.slice('scrip_0123456789abcdef_'.length); // the secret may itself contain '_'
  assert.deepEqual(row.secret_hash, createHmac('sha256', secret).update(keySecret).digest());
  // The plain SHA-256 a copied database would let someone test guesses against is not there.
  assert.notDeepEqual(row.secret_hash, createHash('sha256').update(keySecret).digest());
  assert.equal(rowOf(db, b.info.id).signing_key_id, row.signing_key_id);
  assert.equal(store.authenticate(a.key)?.id, a.info.id);
  assert.deepEqual(store.authenticate(b.key)?.scopes, ['admin']);
  assert.equal(store.authenticate(a.key.slice(0, -1) + (a.key.endsWith('A') ? 'B' : 'A')), null);
  assert.equal(store.authenticate('scrip_0000000000000000_' + 'A'.repeat(43)), null);
});

test('a second store on the same database and keychain uses the same secret (create once)', () => {
  const db = openDatabase(':memory:');
  const kc = memoryKeychain();
  const first = new ApiKeyStore(db, { keychain: () => kc, account: ACCOUNT });
  const { key } = first.create('a', ['read']);
  const stored = kc.get(ACCOUNT);
  const second = new ApiKeyStore(db, { keychain: () => kc, account: ACCOUNT });
  assert.ok(second.authenticate(key), 'second.authenticate(key)');
  second.create('b', ['read']);
  assert.equal(kc.get(ACCOUNT), stored);
});

test('the keychain is read once: checking keys does not ask it again', () => {
  const db = openDatabase(':memory:');
  const kc = memoryKeychain();
  let asked = 0;
  const store = new ApiKeyStore(db, {
    keychain: () => {
      asked++;
      return kc;
    },
    account: ACCOUNT,
  });
  const { key } = store.create('a', ['read']);
  for (let i = 0; i < 100; i++) assert.ok(store.authenticate(key), 'store.authenticate(key)');
  assert.equal(asked, 1);
});

test('with no keychain, creating a key is refused with no-keychain and nothing is written', () => {
  const db = openDatabase(':memory:');
  const store = new ApiKeyStore(db, { keychain: noKeychain, account: ACCOUNT });
  assert.throws(
    () => store.create('a', ['read']),
    (e: unknown) => {
      assert.ok(e instanceof ScripError, 'e instanceof ScripError');
      assert.equal(e.code, 'no-keychain');
      assert.match(e.message, /no Secret Service/);
      assert.match(e.action, /keychain/i);
      assert.match(e.action, /not fall back to keeping this secret in a file by itself.*SCRIP_KEYCHAIN=file/);
      return true;
    },
  );
  assert.equal(store.list().length, 0);
});

test('an old SHA-256 row keeps working and is re-hashed under the keychain secret on its next good use', () => {
  const db = openDatabase(':memory:');
  const kc = memoryKeychain();
  const store = new ApiKeyStore(db, { keychain: () => kc, account: ACCOUNT });
  // A row as the previous version wrote it.
  const secret = 'S'.repeat(43);
  const id = '0123456789abcdef';
  db.prepare('INSERT INTO api_keys (id, name, scopes, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(
    id,
    'old',
    'read',
    createHash('sha256').update(secret).digest(),
    new Date().toISOString(),
  );
  assert.equal(rowOf(db, id).hash_kind, 'sha256');
  assert.equal(store.legacyCount(), 1);
  // A wrong secret does not upgrade anything.
  assert.equal(store.authenticate(`scrip_${id}_${'T'.repeat(43)}`), null);
  assert.equal(rowOf(db, id).hash_kind, 'sha256');
  assert.equal(store.authenticate(`scrip_${id}_${secret}`)?.name, 'old');
  const row = rowOf(db, id);
  assert.equal(row.hash_kind, 'hmac-sha256');
  assert.deepEqual(
    row.secret_hash,
    createHmac('sha256', Buffer.from(kc.get(ACCOUNT)!, 'base64url'))
      .update(secret)
      .digest(),
  );
  assert.equal(store.legacyCount(), 0);
  assert.ok(store.authenticate(`scrip_${id}_${secret}`), 'store.authenticate(`scrip_${id}_${secret}`)');
});

test('with no keychain an old SHA-256 key still works (and stays old); a new-style key cannot be checked and says why', () => {
  const db = openDatabase(':memory:');
  const kc = memoryKeychain();
  const made = new ApiKeyStore(db, { keychain: () => kc, account: ACCOUNT }).create('new', ['read']);
  const secret = 'S'.repeat(43);
  db.prepare('INSERT INTO api_keys (id, name, scopes, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(
    'fedcba9876543210',
    'old',
    'read',
    createHash('sha256').update(secret).digest(),
    new Date().toISOString(),
  );
  const store = new ApiKeyStore(db, { keychain: noKeychain, account: ACCOUNT });
  assert.equal(store.authenticate(`scrip_fedcba9876543210_${secret}`)?.name, 'old');
  assert.equal(rowOf(db, 'fedcba9876543210').hash_kind, 'sha256');
  assert.throws(
    () => store.authenticate(made.key),
    (e: unknown) => e instanceof ScripError && e.code === 'no-keychain',
  );
});

test('a key signed by a secret the keychain no longer holds is refused with the reason', () => {
  const db = openDatabase(':memory:');
  const made = new ApiKeyStore(db, { keychain: () => memoryKeychain(), account: ACCOUNT }).create('before reset', [
    'read',
  ]);
  const store = new ApiKeyStore(db, { keychain: () => memoryKeychain(), account: ACCOUNT }); // a fresh, empty keychain
  assert.throws(
    () => store.authenticate(made.key),
    (e: unknown) => {
      assert.ok(e instanceof ScripError, 'e instanceof ScripError');
      assert.equal(e.code, 'unauthenticated');
      assert.match(e.message, /no longer holds/);
      return true;
    },
  );
});

test('unknown scopes are invalid-input; revoked keys are refused', () => {
  const db = openDatabase(':memory:');
  const kc = memoryKeychain();
  const store = new ApiKeyStore(db, { keychain: () => kc, account: ACCOUNT });
  assert.throws(
    () => store.create('x', ['root' as 'read']),
    (e: unknown) => e instanceof ScripError && e.code === 'invalid-input',
  );
  const { key, info } = store.create('x', ['read']);
  assert.equal(store.revoke(info.id)?.id, info.id);
  assert.equal(store.authenticate(key), null);
  assert.equal(store.revoke('ffffffffffffffff'), null);
});

test('an agent with no keychain runs, and api-key.create answers no-keychain (503) saying what to do', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-nokc-'));
  const app = await createApp({
    dataDir,
    readerWatch: new FakeReaderWatch(),
    cardConnector: new InProcessConnector({}),
    keychain: noKeychain,
  });
  try {
    const caller = { kind: 'ui' as const, scopes: new Set(scopes), label: 'UI' };
    assert.ok(
      await invokeCommand(app.registry, app.services, 'readers.list', {}, caller),
      "await invokeCommand(app.registry, app.services, 'readers.list', {}, caller)",
    );
    await assert.rejects(
      invokeCommand(app.registry, app.services, 'api-key.create', { name: 'bot', scopes: ['read'] }, caller),
      (e: unknown) => {
        assert.ok(e instanceof ScripError, 'e instanceof ScripError');
        assert.equal(e.code, 'no-keychain');
        assert.equal(e.status, 503);
        return true;
      },
    );
    assert.deepEqual(app.services.apiKeys.list(), []);
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('the diagnostics say whether the keychain answers, without creating the secret', () => {
  const db = openDatabase(':memory:');
  const kc = memoryKeychain();
  const store = new ApiKeyStore(db, { keychain: () => kc, account: ACCOUNT });
  assert.deepEqual(
    { ...store.keychainStatus(), detail: undefined },
    { available: true, created: false, detail: undefined },
  );
  assert.equal(kc.get(ACCOUNT), null);
  store.create('a', ['read']);
  assert.equal(store.keychainStatus().created, true);
  const none = new ApiKeyStore(db, { keychain: noKeychain, account: ACCOUNT }).keychainStatus();
  assert.equal(none.available, false);
  assert.match(none.detail, /cannot be created or checked/);
});

test('warm-up reads the secret off the event loop; until the keychain answers, checks say so instead of blocking', async () => {
  const db = openDatabase(':memory:');
  const kc = memoryKeychain();
  const { key } = new ApiKeyStore(db, { keychain: () => kc, account: ACCOUNT }).create('a', ['read']);
  let answer: (v: string | null) => void = () => undefined;
  let syncReads = 0;
  const slow: Keychain = {
    ...kc,
    get: (a) => {
      syncReads++;
      return kc.get(a);
    },
    getAsync: () =>
      new Promise((r) => {
        answer = r;
      }),
  };
  const store = new ApiKeyStore(db, { keychain: () => slow, account: ACCOUNT });
  const warming = store.warm();
  assert.throws(
    () => store.authenticate(key),
    (e: unknown) => e instanceof ScripError && e.code === 'no-keychain' && /not answered yet/.test(e.message),
  );
  assert.equal(store.keychainStatus().available, false);
  answer(kc.get(ACCOUNT));
  await warming;
  assert.ok(store.authenticate(key), 'store.authenticate(key)');
  assert.equal(syncReads, 0, 'the key came from the asynchronous read');
});

test('a request that arrives while the keychain’s first answer is on its way waits for it (a just-started agent answers its first request)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'scrip-keys-'));
  const kc = memoryKeychain();
  let answer: (v: string | null) => void = () => undefined;
  const slow: Keychain = {
    ...kc,
    getAsync: () =>
      new Promise((r) => {
        answer = r;
      }),
  };
  const app = await createApp({
    dataDir,
    readerWatch: new FakeReaderWatch(),
    cardConnector: new InProcessConnector({}),
    keychain: () => slow,
  });
  const { key } = app.services.apiKeys.create('a', ['read']);
  // A fresh store over the same database: what a restarted agent has before the keychain answers.
  const restarted = await createApp({
    dataDir,
    readerWatch: new FakeReaderWatch(),
    cardConnector: new InProcessConnector({}),
    keychain: () => slow,
  });
  const server = await startApiServer(restarted);
  try {
    void restarted.services.apiKeys.warm();
    const res = fetch(`${server.url}/readers`, { headers: { authorization: `Bearer ${key}` } });
    setTimeout(() => answer(kc.get(`api-key-secret:${dataDir}`)), 100);
    const r = await res;
    assert.equal(r.status, 200, `the first request after start is answered, not refused: ${await r.clone().text()}`);
  } finally {
    await server.close();
    await restarted.close();
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a keychain that never answers (waiting to be unlocked) holds a key check only so long, then says so', async () => {
  const db = openDatabase(':memory:');
  const kc = memoryKeychain();
  const { key } = new ApiKeyStore(db, { keychain: () => kc, account: ACCOUNT }).create('a', ['read']);
  const locked: Keychain = { ...kc, getAsync: () => new Promise(() => undefined) };
  const store = new ApiKeyStore(db, { keychain: () => locked, account: ACCOUNT });
  void store.warm();
  const t0 = Date.now();
  await store.keychainAnswered(50);
  assert.ok(Date.now() - t0 < 2000, 'the wait is bounded');
  assert.throws(
    () => store.authenticate(key),
    (e: unknown) => e instanceof ScripError && e.code === 'no-keychain' && /not answered yet/.test(e.message),
    'then no-keychain, naming why',
  );
});

test('a warm-up that fails leaves the store able to report why on first use', async () => {
  const db = openDatabase(':memory:');
  const failing: Keychain = {
    get: () => {
      throw new KeychainUnavailableError('locked');
    },
    set: () => undefined,
    delete: () => false,
    getAsync: async () => {
      throw new KeychainUnavailableError('locked');
    },
  };
  const store = new ApiKeyStore(db, { keychain: () => failing, account: ACCOUNT });
  await store.warm();
  assert.throws(
    () => store.create('a', ['read']),
    (e: unknown) => e instanceof ScripError && e.code === 'no-keychain' && /locked/.test(e.message),
  );
});
