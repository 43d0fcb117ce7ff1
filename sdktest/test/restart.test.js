'use strict';
const { scenario, waitEvent, opened, subscribed, eventually, withTimeout, unique, assert, frames } = require('../lib/harness');
const { Process } = require('../lib/chatd');

scenario('kill -9 and a restart on the same file and port: clients reconnect and nothing acknowledged is missing', async (s) => {
  const proc = new Process();
  s.defer(() => proc.stop());
  const chatd = await proc.start();
  const svc = await chatd.service('restart');
  const ch = await chatd.channel(svc.sid, { UniqueName: unique('crash') });
  await chatd.member(svc.sid, ch.sid, 'alice');
  await chatd.member(svc.sid, ch.sid, 'bob');
  const alice = await s.client('alice', svc.sid, { chatd });
  const bob = await s.client('bob', svc.sid, { chatd });
  const a = await opened(await alice.getChannelBySid(ch.sid));
  const b = await opened(await bob.getChannelBySid(ch.sid));
  const atBob = new Set();
  b.on('messageAdded', (m) => atBob.add(m.body));
  // bob's messageAdded comes live or by replay only once he subscribed:
  // a list he first subscribes to after the restart, he loads whole.
  await subscribed('bob', ch.sid);

  // alice sends and the server posts, one after another, until chatd dies;
  // what was acknowledged must survive.
  const acked = [];
  let dead = false;
  async function sendUntilDead(send) {
    for (let i = 0; !dead; i++) {
      try {
        acked.push(await send(i));
      } catch {
        return;
      }
    }
  }
  const sdkSends = sendUntilDead(async (i) => {
    await a.sendMessage(`sdk ${i}`);
    return `sdk ${i}`;
  });
  const restSends = sendUntilDead(async (i) => {
    await chatd.message(svc.sid, ch.sid, `rest ${i}`, { From: 'server' });
    return `rest ${i}`;
  });
  await eventually(() => acked.length >= 6, 'six acknowledged sends', 30_000);
  const down = Promise.all([alice, bob].map((c) => waitEvent(c, 'connectionStateChanged', (state) => state !== 'connected')));
  dead = true; // no new sends; those in flight are acknowledged or fail
  await proc.kill9();
  frames.note(`chatd killed with ${acked.length} sends acknowledged`);
  await down;

  const up = Promise.all([alice, bob].map((c) => waitEvent(c, 'connectionStateChanged', (state) => state === 'connected', 60_000)));
  await proc.start();
  frames.note('chatd restarted');
  await up;
  await withTimeout(Promise.all([sdkSends, restSends]), 60_000, 'the sends in flight at the kill to settle');
  const acknowledged = [...acked];

  const stored = (await chatd.messages(svc.sid, ch.sid)).map((m) => m.body);
  for (const body of acknowledged) assert.ok(stored.includes(body), `acknowledged "${body}" is stored after the restart`);
  const page = await b.getMessages(100);
  const seen = page.items.map((m) => m.body);
  for (const body of acknowledged) assert.ok(seen.includes(body), `acknowledged "${body}" is in bob's getMessages`);
  await eventually(
    () => acknowledged.every((body) => atBob.has(body)),
    () => `bob's messageAdded for ${acknowledged.filter((body) => !atBob.has(body)).join(', ')}`,
    30_000,
  );

  // Both are live again.
  const live = waitEvent(b, 'messageAdded', (m) => m.body === 'after the restart');
  await a.sendMessage('after the restart');
  await live;
});
