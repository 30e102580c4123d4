import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReaderState, ReadersView } from '../../main/card/reader-state';
import { cardAnnouncements } from '../../renderer/src/announce';

const reader = (name: string, present: boolean): ReaderState => ({
  name,
  present,
  atr: present ? '3B00' : null,
  pinPad: false,
  cardType: null,
  inUse: false,
  pinRetries: null,
});
const view = (...readers: ReaderState[]): ReadersView => ({ service: 'running', readers });

test('says nothing for the first snapshot', () => {
  assert.deepEqual(cardAnnouncements(null, view(reader('Virtual PCD 00 00', true))), []);
});

test('announces a card inserted and removed, naming the reader', () => {
  const empty = view(reader('Virtual PCD 00 00', false), reader('Virtual PCD 00 01', false));
  const full = view(reader('Virtual PCD 00 00', true), reader('Virtual PCD 00 01', false));
  assert.deepEqual(cardAnnouncements(empty, full), ['Card inserted in Virtual PCD 00 00']);
  assert.deepEqual(cardAnnouncements(full, empty), ['Card removed from Virtual PCD 00 00']);
});

test('says nothing when only other details change (ATR read, retries known)', () => {
  const before = view(reader('R', true));
  const after = view({ ...reader('R', true), cardType: 'piv', pinRetries: 3 });
  assert.deepEqual(cardAnnouncements(before, after), []);
});

test('announces readers connected and disconnected, and the service stopping and coming back', () => {
  assert.deepEqual(cardAnnouncements(view(), view(reader('R', true))), ['Card reader R connected, with a card in it']);
  assert.deepEqual(cardAnnouncements(view(reader('R', false)), view()), ['Card reader R disconnected']);
  const stopped: ReadersView = { service: 'stopped', readers: [] };
  assert.deepEqual(cardAnnouncements(view(reader('R', false)), stopped), [
    'The smartcard service has stopped',
    'Card reader R disconnected',
  ]);
  assert.deepEqual(cardAnnouncements(stopped, view()), ['The smartcard service is running again']);
});
