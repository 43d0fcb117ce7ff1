'use strict';
const { scenario, eventually, guard, withTimeout } = require('../lib/harness');

// The guard the other scenarios rely on can fail: the SDK without the
// Twilsock option goes to Twilio's socket host, and the guard refuses it.
scenario("the loopback guard refuses Twilio's hosts", async (s) => {
  const svc = await s.chatd.service('guard');
  const token = await s.chatd.token('alice', svc.sid);
  const client = s.rawClient(token, undefined);
  try {
    await eventually(() => guard.refused.some((r) => r.startsWith('connect tsock.us1.twilio.com:')), 'a refused connection to tsock.us1.twilio.com');
  } finally {
    await withTimeout(client.shutdown(), 5_000, 'client shutdown').catch(() => {});
    guard.refused.length = 0;
  }
});
