'use strict';
// The harness every scenario file uses: require it before anything else,
// so that the loopback guard and the frame tap are in place before the SDK
// opens a socket.

const guard = require('./guard');
const frames = require('./frames');
const test = require('node:test');
const assert = require('node:assert/strict');
const { Client } = require('twilio-chat');
const { shared } = require('./chatd');

// The SDK leaves some promises of its own unhandled: a request that fails
// during its initialization, or one still queued when a client shuts down.
// An app never sees them, so a scenario does not fail on them: they go to
// the frame log, and the scenario fails on what the app sees, with that
// log. (The test runner's own handler would fail the test, or the file
// when the client was shut down at the test's end; it is replaced.)
function noteRejection(err) {
  frames.note(`unhandled rejection in the SDK: ${err && err.stack ? err.stack.split('\n')[0] : err}`);
}
function ownRejections() {
  for (const l of process.listeners('unhandledRejection')) {
    if (l !== noteRejection) process.removeListener('unhandledRejection', l);
  }
  if (!process.listeners('unhandledRejection').includes(noteRejection)) process.on('unhandledRejection', noteRejection);
}

// Waits are generous: they guard against a hung scenario, they do not
// measure speed.
const EVENT_WAIT = 10_000;
const INIT_WAIT = 30_000;

// withTimeout settles as promise does, or rejects once ms have passed.
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// waitEvent resolves with the first argument of the first event name on
// emitter that satisfies match. Call it before the action that causes the
// event.
function waitEvent(emitter, name, match = () => true, ms = EVENT_WAIT) {
  let listener;
  const got = new Promise((resolve) => {
    listener = (...args) => {
      if (match(...args)) resolve(args[0]);
    };
    emitter.on(name, listener);
  });
  return withTimeout(got, ms, `event ${name}`).finally(() => emitter.removeListener(name, listener));
}

// Scenario is what a scenario function is given: the shared chatd and a
// way to connect SDK clients that are shut down when it ends.
class Scenario {
  constructor(t) {
    this.t = t;
    this.chatd = shared();
    this.cleanups = [];
  }

  // client connects an SDK client for identity in the Service, as an app
  // does: an unmodified twilio-chat Client with the twilsock URI as its
  // one extra option. It resolves once the client is initialized.
  async client(identity, serviceSid, { uri, token, chatd = this.chatd } = {}) {
    token ??= await chatd.token(identity, serviceSid);
    const client = this.rawClient(token, uri ?? chatd.wsURL);
    const ready = new Promise((resolve, reject) => {
      client.on('stateChanged', (state) => {
        if (state === 'initialized') resolve();
        if (state === 'failed') reject(new Error(`client ${identity}: initialization failed`));
      });
      client.on('connectionStateChanged', (state) => {
        if (state === 'denied') reject(new Error(`client ${identity}: denied`));
      });
    });
    await withTimeout(ready, INIT_WAIT, `client ${identity} to initialize`);
    assert.equal(client.user.identity, identity);
    return client;
  }

  // rawClient constructs a client without waiting for anything.
  rawClient(token, uri) {
    const client = new Client(token, {
      Twilsock: { uri },
      logLevel: process.env.SDKTEST_SDK_LOG || 'silent',
    });
    this.cleanups.push(() => withTimeout(client.shutdown(), 5_000, 'client shutdown').catch(() => {}));
    return client;
  }

  defer(fn) {
    this.cleanups.push(fn);
  }

  async cleanup() {
    for (const fn of this.cleanups.reverse()) await fn();
  }
}

// scenario is one test: fn gets a Scenario. When it fails, the twilsock
// frames the test process saw during it are printed; at its end no
// connection may have left the loopback interface.
function scenario(name, fn, options = {}) {
  test(name, { timeout: 120_000, ...options }, async (t) => {
    ownRejections();
    const mark = frames.mark();
    const s = new Scenario(t);
    try {
      await fn(s);
      assert.deepEqual(guard.refused, [], 'the SDK tried to reach a host other than chatd');
    } catch (err) {
      const lines = frames.since(mark).split('\n');
      const shown = lines.length > 300 ? ['…', ...lines.slice(-300)] : lines;
      // On stderr, which the test runner passes on: an unhandled rejection
      // inside the SDK may have failed the test before this error.
      process.stderr.write(`--- twilsock frames during "${name}" ---\n${shown.join('\n')}\n--- end of frames ---\n`);
      throw err;
    } finally {
      await s.cleanup();
    }
  });
}

// opened resolves once the SDK has opened a channel's messages list and
// roster, which it does lazily: a message that arrives before is part of
// the history the client loads, not a messageAdded event.
async function opened(channel) {
  await channel.getMessages(1);
  await channel.getMembers();
  return channel;
}

// subscribed resolves once identity's client holds live subscriptions to
// the channel's document, messages list and roster (the SDK subscribes a
// moment after it opens them; until then, what changes reaches it by the
// replay its subscription starts with).
async function subscribed(identity, channelSid) {
  const names = ['channel', 'messages', 'roster'].map((kind) => `${channelSid}.${kind}`);
  await eventually(() => frames.subscribed(identity, names), `${identity}'s subscriptions to ${channelSid}`);
}

// A unique suffix for names inside one run.
let seq = 0;
const unique = (prefix) => `${prefix}-${process.pid}-${++seq}`;

// eventually resolves once check() returns true, polling; it rejects with
// what() once ms have passed.
async function eventually(check, what, ms = EVENT_WAIT) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

module.exports = { scenario, waitEvent, eventually, withTimeout, opened, subscribed, unique, assert, frames, guard };
