'use strict';
// chatd from the test's side: its REST API with Account credentials, access
// tokens (minted by chatd at POST /_chatd/tokens, or signed here with an
// API key as an app's server does), and a chatd process of the test's own
// for the scenarios that kill it.

const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const readline = require('node:readline');

class RestError extends Error {
  constructor(method, path, status, body) {
    super(`${method} ${path}: ${status} ${JSON.stringify(body)}`);
    this.status = status;
    this.body = body;
  }
}

// Chatd is one running chatd: its base URL and Account credentials.
class Chatd {
  constructor({ url, accountSid, authToken }) {
    this.url = url.replace(/\/$/, '');
    this.accountSid = accountSid;
    this.authToken = authToken;
  }

  // wsURL is the twilsock URI an app gives the SDK.
  get wsURL() {
    return `${this.url.replace(/^http/, 'ws')}/v3/wsconnect`;
  }

  get port() {
    return Number(new URL(this.url).port);
  }

  // rest calls the REST API with a form body (for POST) and answers the
  // JSON; a status other than 2xx throws a RestError.
  async rest(method, path, params) {
    const headers = {
      Authorization: `Basic ${Buffer.from(`${this.accountSid}:${this.authToken}`).toString('base64')}`,
    };
    let body;
    if (params) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(params).toString();
    }
    const res = await fetch(this.url + path, { method, headers, body });
    const text = await res.text();
    const json = text ? JSON.parse(text) : null;
    if (!res.ok) throw new RestError(method, path, res.status, json);
    return json;
  }

  // service creates a Service with a name unique to the test.
  async service(name, params = {}) {
    return this.rest('POST', '/v2/Services', { FriendlyName: `${name} ${crypto.randomUUID()}`, ...params });
  }

  async channel(serviceSid, params = {}) {
    return this.rest('POST', `/v2/Services/${serviceSid}/Channels`, params);
  }

  async member(serviceSid, channelSid, identity, params = {}) {
    return this.rest('POST', `/v2/Services/${serviceSid}/Channels/${channelSid}/Members`, { Identity: identity, ...params });
  }

  async message(serviceSid, channelSid, body, params = {}) {
    return this.rest('POST', `/v2/Services/${serviceSid}/Channels/${channelSid}/Messages`, { Body: body, ...params });
  }

  async messages(serviceSid, channelSid) {
    const page = await this.rest('GET', `/v2/Services/${serviceSid}/Channels/${channelSid}/Messages?PageSize=1000`);
    return page.messages;
  }

  // token mints an access token for identity in the Service (POST
  // /_chatd/tokens), valid for ttl seconds.
  async token(identity, serviceSid, ttl) {
    const params = { Identity: identity, ServiceSid: serviceSid };
    if (ttl !== undefined) params.Ttl = String(ttl);
    return (await this.rest('POST', '/_chatd/tokens', params)).token;
  }

  // apiKey creates an API key (POST /_chatd/keys): { sid, secret }.
  async apiKey() {
    return this.rest('POST', '/_chatd/keys', { FriendlyName: 'sdktest' });
  }
}

// signToken signs an access token as the helper libraries do (HS256, cty
// twilio-fpa;v=1), with claims overridable for the cases chatd must refuse.
function signToken({ accountSid, keySid, secret, identity, serviceSid, nbf, exp }) {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'HS256', cty: 'twilio-fpa;v=1' };
  const claims = {
    jti: `${keySid}-${now}`,
    iss: keySid,
    sub: accountSid,
    nbf: nbf ?? now,
    exp: exp ?? now + 3600,
    grants: { identity, chat: { service_sid: serviceSid } },
  };
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${enc(header)}.${enc(claims)}`;
  const sig = crypto.createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${sig}`;
}

// shared is the chatd the Go test started for the whole suite.
function shared() {
  const url = process.env.SDKTEST_URL;
  if (!url) throw new Error('SDKTEST_URL is not set: run the suite with go test ./sdktest/ (see sdktest/README.md)');
  return new Chatd({ url, accountSid: process.env.SDKTEST_ACCOUNT_SID, authToken: process.env.SDKTEST_AUTH_TOKEN });
}

// freePort finds a loopback port nothing listens on.
async function freePort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

// Process is a chatd of the test's own on a file and port that survive
// kill -9, so that it can be restarted where it was.
class Process {
  constructor() {
    this.bin = process.env.SDKTEST_CHATD;
    if (!this.bin) throw new Error('SDKTEST_CHATD (the chatd binary) is not set');
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sdktest-chatd-'));
    this.accountSid = `AC${crypto.randomBytes(16).toString('hex')}`;
    this.authToken = crypto.randomBytes(16).toString('hex');
    this.keySid = `SK${crypto.randomBytes(16).toString('hex')}`;
    this.keySecret = crypto.randomBytes(16).toString('hex');
    this.stderr = '';
    this.child = null;
  }

  // start runs chatd and waits for its ready line; the first start picks a
  // free port, later ones reuse it.
  async start() {
    this.port ??= await freePort();
    const args = [
      'serve',
      '--addr', `127.0.0.1:${this.port}`,
      '--db', path.join(this.dir, 'chatd.db'),
      '--account-sid', this.accountSid,
      '--auth-token', this.authToken,
      '--api-key-sid', this.keySid,
      '--api-key-secret', this.keySecret,
    ];
    const child = spawn(this.bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.on('data', (d) => {
      this.stderr += d;
    });
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.exited = exited;
    const lines = readline.createInterface({ input: child.stdout });
    const ready = await Promise.race([
      new Promise((resolve) => lines.once('line', resolve)),
      exited.then(({ code, signal }) => {
        throw new Error(`chatd exited (${code ?? signal}) before it was ready:\n${this.stderr}`);
      }),
    ]);
    const line = JSON.parse(ready);
    this.chatd = new Chatd({ url: line.url, accountSid: this.accountSid, authToken: this.authToken });
    return this.chatd;
  }

  // kill9 kills chatd with SIGKILL and waits for it to be gone.
  async kill9() {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  // stop ends chatd with SIGTERM and removes its files.
  async stop() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await this.exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

module.exports = { Chatd, RestError, Process, shared, signToken, freePort };
