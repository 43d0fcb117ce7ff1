'use strict';
const { scenario, waitEvent, opened, unique, assert } = require('../lib/harness');

scenario('a media message goes through the media service chatd names, and its content can be fetched', async (s) => {
  const svc = await s.chatd.service('media');
  const ch = await s.chatd.channel(svc.sid, { UniqueName: unique('media') });
  await s.chatd.member(svc.sid, ch.sid, 'alice');
  await s.chatd.member(svc.sid, ch.sid, 'bob');
  const alice = await s.client('alice', svc.sid);
  const bob = await s.client('bob', svc.sid);
  const a = await opened(await alice.getChannelBySid(ch.sid));
  const b = await opened(await bob.getChannelBySid(ch.sid));

  const got = waitEvent(b, 'messageAdded', (m) => m.type === 'media');
  const index = await a.sendMessage({ contentType: 'text/plain', media: Buffer.from('a picture, of sorts') });
  const m = await got;
  assert.equal(m.index, index);
  assert.equal(m.author, 'alice');
  assert.equal(m.media.contentType, 'text/plain');
  assert.equal(m.media.size, 19);
  const url = await m.media.getContentTemporaryUrl();
  assert.ok(url.startsWith(s.chatd.url), `the content URL ${url} is chatd's`);
  const res = await fetch(url); // no token, no credentials
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'a picture, of sorts');
});
