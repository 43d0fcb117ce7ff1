'use strict';
const { scenario, waitEvent, unique, assert } = require('../lib/harness');

scenario('a channel created over REST, with the client added as member, appears', async (s) => {
  const svc = await s.chatd.service('rest-channel');
  const bob = await s.client('bob', svc.sid);

  const added = waitEvent(bob, 'channelAdded', (c) => c.friendlyName === 'Made by the server');
  const joined = waitEvent(bob, 'channelJoined', (c) => c.friendlyName === 'Made by the server');
  const ch = await s.chatd.channel(svc.sid, { UniqueName: unique('made'), FriendlyName: 'Made by the server', Type: 'private' });
  await s.chatd.member(svc.sid, ch.sid, 'bob');

  const c = await joined;
  assert.equal(c.sid, ch.sid);
  assert.equal(c.uniqueName, ch.unique_name);
  assert.equal(c.type, 'private');
  assert.equal(c.status, 'joined');
  assert.equal((await added).sid, ch.sid);

  const subscribed = await bob.getSubscribedChannels();
  assert.ok(subscribed.items.some((x) => x.sid === ch.sid), 'the channel is among the subscribed ones');
});
