'use strict';
const { scenario, waitEvent, opened, eventually, unique, assert } = require('../lib/harness');

// Tokens that live a few seconds: chatd warns before their expiry; one
// client refreshes its token and stays, the other does not and is told
// its token expired.
scenario('a token about to expire is refreshed with updateToken; one that is not expires', async (s) => {
  const svc = await s.chatd.service('token-expiry');
  const ch = await s.chatd.channel(svc.sid, { UniqueName: unique('expiry') });
  await s.chatd.member(svc.sid, ch.sid, 'alice');
  // bob's token expires first; alice's a few seconds later, unless her
  // refreshed one replaced it.
  const alice = await s.client('alice', svc.sid, { token: await s.chatd.token('alice', svc.sid, 15) });
  const bob = await s.client('bob', svc.sid, { token: await s.chatd.token('bob', svc.sid, 5) });
  const firstExpiry = Date.now() + 15_000;
  let aliceExpired = false;
  alice.on('tokenExpired', () => {
    aliceExpired = true;
  });
  const warned = waitEvent(alice, 'tokenAboutToExpire', () => true, 30_000);
  const expired = waitEvent(bob, 'tokenExpired', () => true, 30_000);

  await warned;
  await alice.updateToken(await s.chatd.token('alice', svc.sid));
  await expired;
  await eventually(() => bob.connectionState !== 'connected', "bob's socket to close");

  // alice's socket outlives her first token.
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstExpiry - Date.now()) + 2_000));
  assert.equal(aliceExpired, false, 'tokenExpired on the refreshed client');
  assert.equal(alice.connectionState, 'connected');
  const a = await opened(await alice.getChannelBySid(ch.sid));
  const got = waitEvent(a, 'messageAdded', (m) => m.body === 'still here');
  await s.chatd.message(svc.sid, ch.sid, 'still here');
  await got;
});
