'use strict';
const { scenario, waitEvent, opened, unique, assert } = require('../lib/harness');

scenario('typing on one client is seen by the other', async (s) => {
  const svc = await s.chatd.service('typing');
  const ch = await s.chatd.channel(svc.sid, { UniqueName: unique('typing') });
  await s.chatd.member(svc.sid, ch.sid, 'alice');
  await s.chatd.member(svc.sid, ch.sid, 'bob');
  const alice = await s.client('alice', svc.sid);
  const bob = await s.client('bob', svc.sid);
  const a = await opened(await alice.getChannelBySid(ch.sid));
  const b = await opened(await bob.getChannelBySid(ch.sid));

  const started = waitEvent(b, 'typingStarted', (m) => m.identity === 'alice');
  await a.typing();
  const member = await started;
  assert.equal(member.isTyping, true);
  // Typing ends by itself after the Service's typing timeout.
  const ended = waitEvent(b, 'typingEnded', (m) => m.identity === 'alice', 20_000);
  assert.equal((await ended).isTyping, false);
});
