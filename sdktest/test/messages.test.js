'use strict';
const { scenario, waitEvent, opened, unique, assert } = require('../lib/harness');

// A channel alice created through the SDK (its creator joins it), with bob
// added by her; both clients hold their own Channel object of it.
async function sharedChannel(alice, bob) {
  const uniqueName = unique('room');
  const aliceJoined = waitEvent(alice, 'channelJoined', (c) => c.uniqueName === uniqueName);
  const a = await alice.createChannel({ uniqueName, friendlyName: 'Room' });
  await aliceJoined;
  assert.equal(a.status, 'joined');
  assert.equal(a.createdBy, 'alice');
  const bobJoined = waitEvent(bob, 'channelJoined', (c) => c.sid === a.sid);
  await a.add('bob');
  const b = await bobJoined;
  return { a: await opened(a), b: await opened(b) };
}

scenario('two clients exchange messages', async (s) => {
  const svc = await s.chatd.service('exchange');
  const alice = await s.client('alice', svc.sid);
  const bob = await s.client('bob', svc.sid);
  const { a, b } = await sharedChannel(alice, bob);

  const atBob = waitEvent(b, 'messageAdded', (m) => m.body === 'hello bob');
  const index = await a.sendMessage('hello bob', { mood: 'glad' });
  const m = await atBob;
  assert.equal(m.author, 'alice');
  assert.equal(m.index, index);
  assert.deepEqual(m.attributes, { mood: 'glad' });
  assert.equal(m.channel.sid, a.sid);

  const atAlice = waitEvent(a, 'messageAdded', (m) => m.body === 'hello alice');
  await b.sendMessage('hello alice');
  assert.equal((await atAlice).author, 'bob');

  const page = await b.getMessages(10);
  assert.deepEqual(page.items.map((m) => [m.author, m.body]), [['alice', 'hello bob'], ['bob', 'hello alice']]);
});

scenario('a message posted over REST reaches an SDK client', async (s) => {
  const svc = await s.chatd.service('rest-post');
  const ch = await s.chatd.channel(svc.sid, { UniqueName: unique('news'), FriendlyName: 'News' });
  await s.chatd.member(svc.sid, ch.sid, 'bob');
  const bob = await s.client('bob', svc.sid);
  const channel = await opened(await bob.getChannelBySid(ch.sid));

  const got = waitEvent(channel, 'messageAdded', (m) => m.body === 'from the server');
  const posted = await s.chatd.message(svc.sid, ch.sid, 'from the server', { From: 'system', Attributes: '{"k":1}' });
  const m = await got;
  assert.equal(m.sid, posted.sid);
  assert.equal(m.author, 'system');
  assert.equal(m.index, posted.index);
  assert.deepEqual(m.attributes, { k: 1 });
});
