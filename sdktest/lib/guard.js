'use strict';
// The loopback guard: once required, every TCP connection and DNS lookup of
// this process to anything but the loopback interface is refused and
// recorded. The SDK must reach nothing but chatd: all of its traffic goes
// through the one socket the test points it at. Each test file asserts at
// its end that nothing was refused (see harness.js).

const net = require('node:net');
const dns = require('node:dns');

const refused = [];

function isLoopback(host) {
  if (host === undefined || host === null || host === '') return true; // Node's default is localhost
  host = String(host).replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1' || host === '::ffff:127.0.0.1') return true;
  return net.isIPv4(host) && host.startsWith('127.');
}

// target reads the host of net.Socket#connect's many call forms:
// (options[, cb]), (port[, host][, cb]), (path[, cb]) and Node's own
// normalized [options, cb] array.
function target(args) {
  let a = args[0];
  if (Array.isArray(a)) a = a[0];
  if (a !== null && typeof a === 'object') {
    if (a.path) return { local: true, label: a.path };
    return { host: a.host, label: `${a.host ?? 'localhost'}:${a.port}` };
  }
  if (typeof a === 'string' && !/^\d+$/.test(a)) return { local: true, label: a };
  const host = typeof args[1] === 'string' ? args[1] : undefined;
  return { host, label: `${host ?? 'localhost'}:${a}` };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const t = target(args);
  if (!t.local && !isLoopback(t.host)) {
    refused.push(`connect ${t.label}`);
    const err = new Error(`loopback guard: refused a connection to ${t.label}`);
    err.code = 'ECONNREFUSED';
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, options, callback) {
  if (!isLoopback(hostname)) {
    refused.push(`dns ${hostname}`);
    const cb = typeof options === 'function' ? options : callback;
    const err = new Error(`loopback guard: refused a DNS lookup of ${hostname}`);
    err.code = 'ENOTFOUND';
    process.nextTick(() => cb(err));
    return {};
  }
  return lookup.call(this, hostname, options, callback);
};
const lookupPromise = dns.promises.lookup;
dns.promises.lookup = async function guardedLookupPromise(hostname, options) {
  if (!isLoopback(hostname)) {
    refused.push(`dns ${hostname}`);
    throw Object.assign(new Error(`loopback guard: refused a DNS lookup of ${hostname}`), { code: 'ENOTFOUND' });
  }
  return lookupPromise.call(this, hostname, options);
};

module.exports = { refused, isLoopback };
