'use strict';
const { scenario, waitEvent, opened, unique, assert, frames } = require('../lib/harness');
const { startProxy } = require('../lib/proxy');

scenario('a dropped connection reconnects and receives what was sent meanwhile, by replay', async (s) => {
  const svc = await s.chatd.service('reconnect');
  const ch = await s.chatd.channel(svc.sid, { UniqueName: unique('drop') });
  await s.chatd.member(svc.sid, ch.sid, 'alice');
  await s.chatd.member(svc.sid, ch.sid, 'bob');
  const proxy = await startProxy(s.chatd.port);
  s.defer(() => proxy.close());

  const alice = await s.client('alice', svc.sid);
  const bob = await s.client('bob', svc.sid, { uri: `ws://127.0.0.1:${proxy.port}/v3/wsconnect` });
  const a = await opened(await alice.getChannelBySid(ch.sid));
  const b = await opened(await bob.getChannelBySid(ch.sid));
  // bob is subscribed: a message before the cut reaches him live.
  const before = waitEvent(b, 'messageAdded', (m) => m.body === 'before');
  await a.sendMessage('before');
  await before;

  const offline = waitEvent(bob, 'connectionStateChanged', (state) => state !== 'connected');
  proxy.cut({ hold: true });
  frames.note('proxy: cut bob, holding');
  await offline;

  const missed = waitEvent(b, 'messageAdded', (m) => m.body === 'while away', 30_000);
  const missedRest = waitEvent(b, 'messageAdded', (m) => m.body === 'over REST while away', 30_000);
  await a.sendMessage('while away');
  await s.chatd.message(svc.sid, ch.sid, 'over REST while away', { From: 'carol' });
  const online = waitEvent(bob, 'connectionStateChanged', (state) => state === 'connected', 30_000);
  proxy.release();
  frames.note('proxy: released');
  await online;
  assert.equal((await missed).author, 'alice');
  assert.equal((await missedRest).author, 'carol');

  // And live again after the reconnect.
  const after = waitEvent(b, 'messageAdded', (m) => m.body === 'after');
  await a.sendMessage('after');
  await after;
  const page = await b.getMessages(10);
  assert.deepEqual(page.items.map((m) => m.body), ['before', 'while away', 'over REST while away', 'after']);
});
