'use strict';
const { scenario, waitEvent, assert } = require('../lib/harness');

scenario('reachability: a user is online while a client of theirs is connected', async (s) => {
  const svc = await s.chatd.service('reachability');
  await s.chatd.rest('POST', `/v2/Services/${svc.sid}`, { ReachabilityEnabled: 'true' });
  const alice = await s.client('alice', svc.sid);
  assert.equal(alice.reachabilityEnabled, true);
  const bob = await s.client('bob', svc.sid);
  const seen = await alice.getUser('bob');
  assert.equal(seen.online, true);
  assert.equal((await s.chatd.rest('GET', `/v2/Services/${svc.sid}/Users/bob`)).is_online, true);

  const offline = waitEvent(seen, 'updated', ({ user, updateReasons }) => updateReasons.includes('online') && user.online === false);
  await bob.shutdown();
  await offline;
  assert.equal((await s.chatd.rest('GET', `/v2/Services/${svc.sid}/Users/bob`)).is_online, false);
});
