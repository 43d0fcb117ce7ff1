'use strict';
// A TCP proxy on loopback between an SDK client and chatd, to cut the
// client's connection the way a network does: cut() destroys every open
// connection at once, and while the proxy is held new connections are
// closed as soon as they arrive, so that the client stays offline until
// release().

const net = require('node:net');

async function startProxy(targetPort, targetHost = '127.0.0.1') {
  const open = new Set();
  let held = false;
  let accepted = 0;
  const server = net.createServer((client) => {
    if (held) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(targetPort, targetHost);
    const pair = { client, upstream };
    open.add(pair);
    const end = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    // accepted is how many connections have been let through so far.
    get accepted() {
      return accepted;
    },
    // cut drops every connection through the proxy; hold keeps new ones out.
    cut({ hold = false } = {}) {
      held = hold;
      for (const { client, upstream } of open) {
        client.destroy();
        upstream.destroy();
      }
      open.clear();
    },
    release() {
      held = false;
    },
    close() {
      this.cut();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

module.exports = { startProxy };
