'use strict';
const { scenario, waitEvent, assert } = require('../lib/harness');
const { signToken } = require('../lib/chatd');

// deniedWith connects with token and expects the SDK's terminal denial:
// connectionStateChanged 'denied' and a terminal connectionError.
async function deniedWith(s, token) {
  const client = s.rawClient(token, s.chatd.wsURL);
  const denied = waitEvent(client, 'connectionStateChanged', (state) => state === 'denied');
  const error = waitEvent(client, 'connectionError');
  let expired = false;
  client.once('tokenExpired', () => {
    expired = true;
  });
  await denied;
  const err = await error;
  assert.equal(err.terminal, true, `connectionError ${JSON.stringify(err)}`);
  return { client, err, expired };
}

scenario('a token with a bad signature is denied', async (s) => {
  const svc = await s.chatd.service('denied');
  const good = await s.chatd.token('alice', svc.sid);
  const [head, claims, sig] = good.split('.');
  const flipped = `${head}.${claims}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
  const { err } = await deniedWith(s, flipped);
  assert.match(err.message, /./);
});

scenario('an expired token is denied, and the client is told it expired', async (s) => {
  const svc = await s.chatd.service('expired');
  const key = await s.chatd.apiKey();
  const now = Math.floor(Date.now() / 1000);
  const token = signToken({
    accountSid: s.chatd.accountSid, keySid: key.sid, secret: key.secret,
    identity: 'alice', serviceSid: svc.sid, nbf: now - 7200, exp: now - 3600,
  });
  const { expired } = await deniedWith(s, token);
  assert.equal(expired, true, 'tokenExpired was emitted before the denial');
});

scenario('a token signed by an unknown key is denied', async (s) => {
  const svc = await s.chatd.service('unknown-key');
  const token = signToken({
    accountSid: s.chatd.accountSid, keySid: `SK${'0'.repeat(32)}`, secret: 'not a secret chatd knows',
    identity: 'alice', serviceSid: svc.sid,
  });
  await deniedWith(s, token);
});

scenario('a token signed with an API key chatd knows is accepted', async (s) => {
  const svc = await s.chatd.service('own-key');
  const key = await s.chatd.apiKey();
  const token = signToken({
    accountSid: s.chatd.accountSid, keySid: key.sid, secret: key.secret, identity: 'alice', serviceSid: svc.sid,
  });
  const client = await s.client('alice', svc.sid, { token });
  assert.equal(client.connectionState, 'connected');
});
