/**
 * A network guard for child processes: `NODE_OPTIONS=--import <this file's URL>` makes every
 * connection to a host that is not loopback throw, and every DNS lookup of a name that is not
 * loopback. A test that runs the CLI under it proves the command never leaves the machine.
 * Unix sockets and loopback (127.0.0.0/8, ::1, localhost) stay allowed: emulators listen there.
 */
import dns from "node:dns";
import { syncBuiltinESMExports } from "node:module";
import net from "node:net";

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|::ffff:127(?:\.\d{1,3}){3}|\[::1\])$/i;

export class NetworkRefused extends Error {
  constructor(what) {
    super(`no-network guard: ${what} refused (this process may only reach loopback)`);
    this.name = "NetworkRefused";
    this.code = "ENETWORKGUARD";
  }
}

function isLoopback(host) {
  return LOOPBACK.test(String(host ?? "localhost"));
}

/** Where net.Socket#connect(options[, cb]) | (port[, host][, cb]) | (path[, cb]) goes; null for an IPC path. */
function target(args) {
  const [first, second] = Array.isArray(args[0]) ? args[0] : args;
  if (typeof first === "object" && first !== null) return first.path !== undefined ? null : { host: first.host ?? "localhost", port: first.port };
  if (typeof first === "string" && !/^\d+$/.test(first)) return null; // an IPC path
  return { host: typeof second === "string" ? second : "localhost", port: first };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const to = target(args);
  if (to && !isLoopback(to.host)) throw new NetworkRefused(`connection to ${to.host}:${to.port}`);
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
  if (!isLoopback(hostname)) throw new NetworkRefused(`DNS lookup of ${hostname}`);
  return lookup.call(this, hostname, ...rest);
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = async function guardedPromisesLookup(hostname, ...rest) {
  if (!isLoopback(hostname)) throw new NetworkRefused(`DNS lookup of ${hostname}`);
  return promisesLookup.call(this, hostname, ...rest);
};
syncBuiltinESMExports();
process.env.BINDERY_TEST_NO_NETWORK = "1";
