'use strict';
// Writes over REST, with Account credentials, reach SDK clients as the
// same writes through the SDK would.
const { scenario, waitEvent, opened, subscribed, unique, assert } = require('../lib/harness');

scenario('REST edits and removals of messages, channels, members and users reach SDK clients', async (s) => {
  const svc = await s.chatd.service('rest-writes');
  const ch = await s.chatd.channel(svc.sid, { UniqueName: unique('edits'), FriendlyName: 'Before' });
  const base = `/v2/Services/${svc.sid}/Channels/${ch.sid}`;
  await s.chatd.member(svc.sid, ch.sid, 'alice');
  await s.chatd.member(svc.sid, ch.sid, 'bob');
  const msg = await s.chatd.message(svc.sid, ch.sid, 'first draft', { From: 'alice' });
  const alice = await s.client('alice', svc.sid);
  const bob = await s.client('bob', svc.sid);
  const a = await opened(await alice.getChannelBySid(ch.sid));
  const b = await opened(await bob.getChannelBySid(ch.sid));

  const edited = waitEvent(b, 'messageUpdated', ({ message }) => message.sid === msg.sid);
  await s.chatd.rest('POST', `${base}/Messages/${msg.sid}`, { Body: 'final text' });
  const { message, updateReasons } = await edited;
  assert.equal(message.body, 'final text');
  assert.ok(updateReasons.includes('body'), `updateReasons ${updateReasons}`);

  const removed = waitEvent(b, 'messageRemoved', (m) => m.sid === msg.sid);
  await s.chatd.rest('DELETE', `${base}/Messages/${msg.sid}`);
  await removed;

  const renamed = waitEvent(bob, 'channelUpdated', ({ channel }) => channel.sid === ch.sid && channel.friendlyName === 'After');
  await s.chatd.rest('POST', base, { FriendlyName: 'After' });
  assert.ok((await renamed).updateReasons.includes('friendlyName'));

  const userRenamed = waitEvent(bob, 'userUpdated', ({ user }) => user.identity === 'bob' && user.friendlyName === 'Robert');
  await s.chatd.rest('POST', `/v2/Services/${svc.sid}/Users/bob`, { FriendlyName: 'Robert' });
  await userRenamed;
  assert.equal(bob.user.friendlyName, 'Robert');

  const left = waitEvent(bob, 'channelLeft', (c) => c.sid === ch.sid);
  const memberLeft = waitEvent(a, 'memberLeft', (m) => m.identity === 'bob');
  await s.chatd.rest('DELETE', `${base}/Members/bob`);
  await left;
  await memberLeft;
});

scenario('an invite through the SDK: the invitee sees it, joins, and the inviter sees the member join', async (s) => {
  const svc = await s.chatd.service('invites');
  const alice = await s.client('alice', svc.sid);
  const bob = await s.client('bob', svc.sid);
  const uniqueName = unique('private');
  const aliceJoined = waitEvent(alice, 'channelJoined', (c) => c.uniqueName === uniqueName);
  const a = await alice.createChannel({ uniqueName, isPrivate: true });
  await aliceJoined;
  await opened(a);

  const invited = waitEvent(bob, 'channelInvited', (c) => c.sid === a.sid);
  await a.invite('bob');
  const b = await invited;
  assert.equal(b.status, 'invited');

  const memberJoined = waitEvent(a, 'memberJoined', (m) => m.identity === 'bob');
  const bobJoined = waitEvent(bob, 'channelJoined', (c) => c.sid === a.sid);
  await b.join();
  await bobJoined;
  await memberJoined;
  assert.equal(b.status, 'joined');
});

scenario('a channel deleted over REST is removed from the SDK clients of its members', async (s) => {
  const svc = await s.chatd.service('rest-delete');
  const ch = await s.chatd.channel(svc.sid, { UniqueName: unique('doomed') });
  await s.chatd.member(svc.sid, ch.sid, 'bob');
  const bob = await s.client('bob', svc.sid);
  await opened(await bob.getChannelBySid(ch.sid));
  await subscribed('bob', ch.sid); // the removal is to reach bob live

  const removed = waitEvent(bob, 'channelRemoved', (c) => c.sid === ch.sid);
  await s.chatd.rest('DELETE', `/v2/Services/${svc.sid}/Channels/${ch.sid}`);
  await removed;
  const mine = await bob.getSubscribedChannels();
  assert.ok(!mine.items.some((c) => c.sid === ch.sid), 'the channel is no longer among the subscribed ones');
});
