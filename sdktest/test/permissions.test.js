'use strict';
const { scenario, waitEvent, opened, subscribed, unique, assert } = require('../lib/harness');

scenario("a channel user's delete of a channel they do not administer is refused", async (s) => {
  const svc = await s.chatd.service('permissions');
  const alice = await s.client('alice', svc.sid);
  const bob = await s.client('bob', svc.sid);
  const uniqueName = unique('owned');
  const aliceJoined = waitEvent(alice, 'channelJoined', (c) => c.uniqueName === uniqueName);
  const a = await alice.createChannel({ uniqueName, friendlyName: 'Owned' });
  await aliceJoined; // as its creator, alice is its channel admin
  const b = await bob.getChannelBySid(a.sid);
  await b.join();
  await opened(b);

  const err = await b.delete().then(
    () => assert.fail('delete by a channel user succeeded'),
    (e) => e,
  );
  assert.equal(err.status, 403, `status of ${err}`);
  assert.equal(err.body && err.body.code, 50107, `body ${JSON.stringify(err.body)}`);
  // The channel is still there, for both.
  const still = await s.chatd.rest('GET', `/v2/Services/${svc.sid}/Channels/${a.sid}`);
  assert.equal(still.sid, a.sid);

  // Its admin may; bob's client, subscribed to the channel, sees it go.
  await subscribed('bob', a.sid);
  const removed = waitEvent(bob, 'channelRemoved', (c) => c.sid === a.sid);
  await a.delete();
  await removed;
});
