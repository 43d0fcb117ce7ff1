'use strict';
// The frame tap: the SDK's twilsock library opens its socket with the
// global WebSocket when there is one (and the ws package otherwise), so a
// global WebSocket that is ws with a tap on send and receive sees every
// frame, decoded. The log is printed when a scenario fails, and live with
// SDKTEST_FRAMES=1.

const path = require('node:path');

// The ws package the chat SDK's own twilsock library would load.
const chatDir = path.dirname(require.resolve('twilio-chat/package.json'));
const twilsockDir = path.dirname(require.resolve('twilsock/package.json', { paths: [chatDir] }));
const WS = require(require.resolve('ws', { paths: [twilsockDir] }));

const log = [];
const live = process.env.SDKTEST_FRAMES === '1';
const maxPayload = Number(process.env.SDKTEST_FRAMES_MAX || 1500);
let sockets = 0;

// decode splits a TWILSOCK V3.0 frame into its header and payload.
function decode(data) {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const eol = buf.indexOf('\r\n');
  if (eol < 0) return { bad: buf.toString('utf8', 0, 200) };
  const m = /^TWILSOCK V3\.0 (\d+)$/.exec(buf.toString('latin1', 0, eol));
  if (!m) return { bad: buf.toString('utf8', 0, 200) };
  const n = Number(m[1]);
  const headerText = buf.toString('utf8', eol + 2, eol + 2 + n);
  let header;
  try {
    header = JSON.parse(headerText);
  } catch {
    header = headerText;
  }
  const payload = buf.toString('utf8', eol + 2 + n + 2);
  return { header, payload };
}

// identityOf reads the identity out of an access token, to name the
// socket in the log.
function identityOf(token) {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    return claims.grants.identity;
  } catch {
    return undefined;
  }
}

// The sockets by identity, newest last, with what the Sync traffic on
// them shows: the SIDs of the objects the client opened, by unique name,
// and the objects whose subscription chatd established.
const byIdentity = new Map();

function track(sock, dir, f) {
  if (!f.header || dir !== '<' || !f.payload.includes('"')) return;
  if (f.header.method === 'reply' && f.payload.includes('"unique_name"')) {
    try {
      const root = JSON.parse(f.payload);
      if (root.sid && root.unique_name) sock.sids.set(root.unique_name, root.sid);
    } catch {}
  } else if (f.header.message_type === 'twilio.sync.event' && f.payload.includes('subscription_')) {
    try {
      const { event_type: type, event } = JSON.parse(f.payload);
      if (type === 'subscription_established') sock.established.add(event.object_sid);
      if (type === 'subscription_canceled' || type === 'subscription_failed') sock.established.delete(event.object_sid);
    } catch {}
  }
}

function record(sock, dir, data) {
  const f = decode(data);
  if (f.header && f.header.method === 'init' && dir === '>') {
    sock.identity = identityOf(f.header.token);
    sock.label = `${sock.identity ?? '?'}#${sock.n}`;
    if (!byIdentity.has(sock.identity)) byIdentity.set(sock.identity, []);
    byIdentity.get(sock.identity).push(sock);
  }
  track(sock, dir, f);
  let text;
  if (f.bad !== undefined) {
    text = `(not a twilsock frame) ${JSON.stringify(f.bad)}`;
  } else {
    const h = typeof f.header === 'string' ? f.header : JSON.stringify({ ...f.header, ...(f.header.token && { token: '…' }) });
    let p = f.payload.trimEnd();
    if (p.length > maxPayload) p = `${p.slice(0, maxPayload)}… (${p.length} chars)`;
    text = p ? `${h} ${p}` : h;
  }
  const line = `${new Date().toISOString().slice(11, 23)} ${sock.label} ${dir} ${text}`;
  log.push(line);
  if (live) process.stderr.write(`${line}\n`);
}

class TappedWebSocket extends WS {
  constructor(...args) {
    super(...args);
    this._tap = newSocket('socket');
    this.on('open', () => note(`${this._tap.label} open ${args[0]}`));
    this.on('message', (data) => record(this._tap, '<', data));
    this.on('close', (code) => note(`${this._tap.label} closed ${code}`));
  }

  send(data, ...rest) {
    record(this._tap, '>', data);
    return super.send(data, ...rest);
  }
}

function newSocket(label) {
  const n = ++sockets;
  return { n, label: `${label}#${n}`, sids: new Map(), established: new Set() };
}

function note(text) {
  const line = `${new Date().toISOString().slice(11, 23)} ${text}`;
  log.push(line);
  if (live) process.stderr.write(`${line}\n`);
}

global.WebSocket = TappedWebSocket;

module.exports = {
  // mark is where the log stands now; since(mark) is what came after it.
  mark: () => log.length,
  since: (mark) => log.slice(mark).join('\n'),
  note,
  decode,
  // subscribed reports whether the newest socket of identity has opened
  // the Sync objects of these unique names and holds a subscription to
  // each: from then on their events reach it live, not by replay.
  subscribed(identity, names) {
    const socks = byIdentity.get(identity);
    const sock = socks && socks[socks.length - 1];
    return !!sock && names.every((name) => sock.sids.has(name) && sock.established.has(sock.sids.get(name)));
  },
  // tap logs the frames of a socket this process does not own (a
  // browser's): call sent and received with each frame's bytes.
  tap(label) {
    const sock = newSocket(label);
    return { sent: (data) => record(sock, '>', data), received: (data) => record(sock, '<', data) };
  },
};
