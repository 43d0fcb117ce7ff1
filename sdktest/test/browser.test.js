'use strict';
// The SDK's browser build (twilio-chat.min.js, the bundle apps load from
// Twilio's CDN, with its own older Sync inside) in headless Chromium: a
// page served from loopback connects to chatd and shows a message posted
// over REST, then sends a file.
const { scenario, unique, assert, frames } = require('../lib/harness');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { chromium } = require('playwright-core');

const chromiumPath = process.env.SDKTEST_CHROMIUM || '/usr/bin/chromium';
const bundle = path.join(path.dirname(require.resolve('twilio-chat/package.json')), 'builds', 'twilio-chat.min.js');
const page = path.join(__dirname, '..', 'browser', 'index.html');

// servePage serves the page and the SDK bundle on a loopback port.
async function servePage() {
  const server = http.createServer((req, res) => {
    const file = { '/': page, '/twilio-chat.min.js': bundle }[new URL(req.url, 'http://x').pathname];
    if (!file) {
      res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file.endsWith('.js') ? 'text/javascript' : 'text/html; charset=utf-8' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

// Without Chromium the scenario skips, except under CI, where it must run.
const skip = !fs.existsSync(chromiumPath) && !process.env.CI ? `no Chromium at ${chromiumPath}` : false;

scenario('the browser build in headless Chromium shows a message received and sends a file', async (s) => {
  const svc = await s.chatd.service('browser');
  const ch = await s.chatd.channel(svc.sid, { UniqueName: unique('lobby') });
  await s.chatd.member(svc.sid, ch.sid, 'carol');
  const token = await s.chatd.token('carol', svc.sid);

  const server = await servePage();
  s.defer(() => new Promise((resolve) => server.close(resolve)));
  // launch gives Chromium a fresh profile in a temporary directory.
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      // Nothing but loopback resolves: a request elsewhere fails and is seen below.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost',
    ],
  });
  s.defer(() => browser.close());
  const tab = await browser.newPage();
  const elsewhere = [];
  const protocols = new Set(); // the event_protocol_version of its subscriptions
  const isLocal = (u) => /^(ws|http)s?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//.test(u) || u.startsWith('data:');
  tab.on('request', (r) => isLocal(r.url()) || elsewhere.push(r.url()));
  tab.on('websocket', (ws) => {
    if (!isLocal(ws.url())) elsewhere.push(ws.url());
    frames.note(`page: socket to ${ws.url()}`);
    const tap = frames.tap('page');
    ws.on('framesent', (f) => {
      tap.sent(f.payload);
      const { header, payload } = frames.decode(f.payload);
      if (header && header.http_request && header.http_request.path === '/v4/Subscriptions') {
        protocols.add(JSON.parse(payload).event_protocol_version);
      }
    });
    ws.on('framereceived', (f) => tap.received(f.payload));
    ws.on('close', () => frames.note('page: socket closed'));
  });
  tab.on('console', (m) => frames.note(`page console ${m.type()}: ${m.text()}`));
  tab.on('pageerror', (e) => frames.note(`page error: ${e.message}`));

  const fragment = new URLSearchParams({ token, uri: s.chatd.wsURL, channel: ch.sid });
  await tab.goto(`http://127.0.0.1:${server.address().port}/#${fragment}`);
  await tab.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30_000 });
  const state = await tab.evaluate(() => document.body.dataset.state);
  assert.equal(state, 'ready 6.0.0', 'the page initialized the client');

  await s.chatd.message(svc.sid, ch.sid, 'hello, browser', { From: 'server' });
  await tab.waitForFunction(() => document.querySelector('#messages li'), null, { timeout: 10_000 });
  assert.equal(await tab.textContent('#messages li'), 'server: hello, browser');

  // A file from the page: an upload to chatd's media service from another
  // origin (CORS, with the token in X-Twilio-Token), then the message.
  const index = await tab.evaluate(() => window.sendFile('a note from the browser'));
  await tab.waitForFunction(() => document.querySelectorAll('#messages li').length === 2, null, { timeout: 10_000 });
  assert.equal(await tab.textContent('#messages li:nth-child(2)'), 'carol: [text/plain, 23 bytes]');
  const sent = (await s.chatd.messages(svc.sid, ch.sid)).find((m) => m.index === index);
  assert.equal(sent.type, 'media');
  assert.equal(sent.media.content_type, 'text/plain');
  assert.deepEqual(elsewhere, [], 'the page reached only loopback');
  // The bundle's own Sync (3.0.6) subscribes with the older event protocol,
  // which reads one event per notification.
  assert.deepEqual([...protocols], [3]);
}, { skip });
