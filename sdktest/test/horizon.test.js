'use strict';
const { scenario, waitEvent, opened, unique, assert } = require('../lib/harness');

scenario("a member's consumption horizon is visible to the other member", async (s) => {
  const svc = await s.chatd.service('horizon');
  const ch = await s.chatd.channel(svc.sid, { UniqueName: unique('horizon') });
  await s.chatd.member(svc.sid, ch.sid, 'alice');
  await s.chatd.member(svc.sid, ch.sid, 'bob');
  await s.chatd.message(svc.sid, ch.sid, 'one', { From: 'alice' });
  await s.chatd.message(svc.sid, ch.sid, 'two', { From: 'alice' });
  const alice = await s.client('alice', svc.sid);
  const bob = await s.client('bob', svc.sid);
  const a = await opened(await alice.getChannelBySid(ch.sid));
  const b = await opened(await bob.getChannelBySid(ch.sid));

  const seen = waitEvent(a, 'memberUpdated', ({ member }) => member.identity === 'bob' && member.lastConsumedMessageIndex === 1);
  const unread = await b.updateLastConsumedMessageIndex(1);
  assert.equal(unread, 0);
  const { member, updateReasons } = await seen;
  assert.ok(updateReasons.includes('lastConsumedMessageIndex'), `updateReasons ${updateReasons}`);
  assert.ok(member.lastConsumptionTimestamp instanceof Date);
});
