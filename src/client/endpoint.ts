/**
 * Seed 003's alternative endpoint (PROTOCOL.md): JOINED_CHATROOM's SERVER_IP and PORT may name
 * another server for the room. This decides whether they do, forgivingly: an address that
 * names nothing usable (0.0.0.0, empty, no port) or the server we already reach (by the host we
 * dialled, the address it resolved to, or loopback for loopback) means "stay here".
 */
import { isLoopback, unmapIPv4 } from '../protocol/address.js';
import type { Endpoint } from './tcd-socket.js';

const unspecified = new Set(['', '0', '0.0.0.0', '::', '*']);

export function endpointKey(e: Endpoint): string {
  if (e.url !== undefined) return e.url;
  return e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

export function alternativeEndpoint(
  serverIp: string,
  port: number,
  current: { readonly endpoint: Endpoint; readonly remoteAddress: string },
): Endpoint | undefined {
  const ip = unmapIPv4(serverIp.trim());
  if (unspecified.has(ip) || !Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  if (port !== current.endpoint.port) return { host: ip, port };
  const here = [current.endpoint.host, current.remoteAddress].map(unmapIPv4);
  if (here.includes(ip)) return undefined;
  if (isLoopback(ip) && here.some((h) => h === 'localhost' || isLoopback(h))) return undefined;
  return { host: ip, port };
}
