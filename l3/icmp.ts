import { MILLISECOND, SECOND, type Instant } from '../core/clock.ts';
import { type Ipv4Address } from '../core/ipv4.ts';
import { internetChecksum, verifiesChecksum } from '../core/checksum.ts';
import { IpProtocol } from '../core/wire/ipv4.ts';
import type { NetDevice } from '../l2/device.ts';
import type { NetNamespace } from './namespace.ts';
import { routeInput, routeOutput } from './route.ts';
import { echoedOptions } from './ip-options.ts';
import { receiveRedirect } from './redirect.ts';
import { buildDatagram, ipSend } from './ipv4.ts';

/** ICMP types whose messages are errors (icmp_pointers[].error). */
const ERROR_TYPES = new Set([3, 4, 5, 11, 12]);
/** NR_ICMP_TYPES: above it a type is assumed to be an error. */
const NR_ICMP_TYPES = 18;
/** XRLIM_BURST_FACTOR: a peer's bucket holds six tokens. */
const BURST_FACTOR = 6;

/** Per-destination token buckets (struct inet_peer rate_tokens / rate_last; inet_peer_xrlim_allow()). */
export class IcmpRateLimiter {
  private peerMap: Map<Ipv4Address, { tokens: number; last: Instant }> | undefined;
  private redirectMap: Map<Ipv4Address, { count: number; last: Instant }> | undefined;

  /** Buckets per destination, made on the first ICMP error (most namespaces never send one). */
  private get peers(): Map<Ipv4Address, { tokens: number; last: Instant }> {
    return (this.peerMap ??= new Map());
  }

  /** ICMP redirects per destination (ip_rt_send_redirect()). */
  get redirects(): Map<Ipv4Address, { count: number; last: Instant }> {
    return (this.redirectMap ??= new Map());
  }

  /** Whether one more message to `destination` may go now; `ratelimitMs` is net.ipv4.icmp_ratelimit. */
  allow(destination: Ipv4Address, now: Instant, ratelimitMs: number): boolean {
    const RATELIMIT = ratelimitMs * MILLISECOND;
    if (RATELIMIT === 0) return true;
    const peer = this.peer(destination, now);
    let token = peer.tokens + (now - peer.last);
    peer.last = now;
    if (token > BURST_FACTOR * RATELIMIT) token = BURST_FACTOR * RATELIMIT;
    let allowed = false;
    if (token >= RATELIMIT) {
      token -= RATELIMIT;
      allowed = true;
    }
    peer.tokens = token;
    return allowed;
  }

  /**
   * ip_error()'s own limit on the unreachables of a failed input route, on the same peer's tokens as icmp_send()
   * then spends (net/ipv4/route.c: ip_rt_error_cost 1 s, ip_rt_error_burst 5 s): each such error costs the
   * bucket twice, so a steady 5 per second gets two (measured: `ping -i 0.2` through a router without a route).
   */
  allowRouteError(destination: Ipv4Address, now: Instant): boolean {
    const peer = this.peer(destination, now);
    let token = peer.tokens + (now - peer.last);
    if (token > ERROR_BURST) token = ERROR_BURST;
    peer.last = now;
    const allowed = token >= ERROR_COST;
    if (allowed) token -= ERROR_COST;
    peer.tokens = token;
    return allowed;
  }

  /** inet_getpeer(): a new peer's rate_last is 60 s back, so its first calculation fills the bucket. */
  private peer(destination: Ipv4Address, now: Instant): { tokens: number; last: Instant } {
    let peer = this.peers.get(destination);
    if (!peer) {
      peer = { tokens: 0, last: now - 60 * SECOND };
      this.peers.set(destination, peer);
    }
    return peer;
  }
}

/** ip_rt_error_cost and ip_rt_error_burst (HZ and 5 * HZ). */
const ERROR_COST = SECOND;
const ERROR_BURST = 5 * SECOND;

/** The largest ICMP error datagram: 576 bytes [RFC 1812 §4.3.2.3]. */
const MAX_ERROR_LENGTH = 576;

/**
 * icmp_send(): an ICMP error about `original` (an IPv4 datagram we received, forwarded or sent) to its source.
 * Never about an ICMP error, a non-first fragment, or a broadcast/multicast; the source is the original
 * destination when it was ours, else chosen by the route back; TOS gets precedence 0xc0; at most 576 bytes;
 * rate limited per destination for the types in icmp_ratemask (not when the error goes out through lo).
 */
export function sendIcmpError(ns: NetNamespace, original: Uint8Array, inDevice: NetDevice | undefined, type: number, code: number, info: number): void {
  if (original.length < 20) return;
  const headerLength = (original[0]! & 0x0f) * 4;
  const fragmentOffset = ((original[6]! << 8) | original[7]!) & 0x1fff;
  if (fragmentOffset !== 0) return;
  const source = readAddress(original, 12);
  const destination = readAddress(original, 16);
  if (source === 0 || source === 0xffffffff || source >>> 28 === 0xe) return;
  if (destination === 0xffffffff || destination >>> 28 === 0xe) return;
  if (inDevice) {
    const input = routeInput(ns, inDevice, source, destination);
    if (input.kind === 'broadcast') return;
  }
  if (original[9] === IpProtocol.Icmp && ERROR_TYPES.has(type)) {
    const innerType = original[headerLength];
    if (innerType === undefined || innerType > NR_ICMP_TYPES || ERROR_TYPES.has(innerType)) return;
  }
  const local = ns.isLocalAddress(destination);
  const route = routeOutput(ns, source, local ? { source: destination } : {});
  if (typeof route === 'string') return;
  if ((ns.icmp.ratemask >>> type) & 1 && route.device.kind !== 'loopback' && !ns.icmpLimiter.allow(source, ns.now, ns.icmp.ratelimitMs)) {
    ns.drop(inDevice, original, 'rate limited');
    return;
  }
  const from = route.source || 0xc0000008;
  // __icmp_send(): the error echoes the original's record route (ip_options_echo()), which takes room from the quote.
  const options = echoedOptions(original, from);
  const room = Math.min(route.device.mtu, MAX_ERROR_LENGTH) - 20 - (options?.length ?? 0) - 8;
  const quoted = original.subarray(0, Math.min(original.length, room));
  const tos = ERROR_TYPES.has(type) ? (original[1]! & 0x1e) | 0xc0 : original[1]!;
  const frame = buildDatagram(
    { source: from, destination: source, protocol: IpProtocol.Icmp, ttl: ns.defaultTtl, tos, identification: ns.idents.next(source, from, IpProtocol.Icmp, ns.now), dontFragment: false, ...(options ? { options } : {}) },
    8 + quoted.length,
    (buf, at) => {
      buf[at] = type;
      buf[at + 1] = code;
      buf[at + 4] = (info >>> 24) & 0xff;
      buf[at + 5] = (info >>> 16) & 0xff;
      buf[at + 6] = (info >>> 8) & 0xff;
      buf[at + 7] = info & 0xff;
      buf.set(quoted, at + 8);
      const c = internetChecksum(buf, at, at + 8 + quoted.length);
      buf[at + 2] = c >>> 8;
      buf[at + 3] = c & 0xff;
    },
  );
  ns.netfilter?.attachRelated?.(frame, original);
  ipSend(ns, frame, route);
}

/**
 * ip_rt_send_redirect(): an ICMP host redirect to the sender, with exponential backoff per destination
 * (ip_rt_redirect_load 20 ms << n, at most ip_rt_redirect_number 9, quiet after ip_rt_redirect_silence).
 */
export function sendRedirect(ns: NetNamespace, original: Uint8Array, inDevice: NetDevice, gateway: Ipv4Address): void {
  const source = readAddress(original, 12);
  const now = ns.now;
  const load = 20 * MILLISECOND;
  const silence = load << 10;
  let peer = ns.icmpLimiter.redirects.get(source);
  if (!peer) {
    peer = { count: 0, last: 0 };
    ns.icmpLimiter.redirects.set(source, peer);
  }
  if (now > peer.last + silence) peer.count = 0;
  if (peer.count >= 9) {
    peer.last = now;
    return;
  }
  if (peer.count === 0 || now > peer.last + load * 2 ** peer.count) {
    sendIcmpError(ns, original, inDevice, 5, 1, gateway);
    peer.last = now;
    peer.count++;
  }
}

/**
 * icmp_rcv(): checksum, then echo requests get a reply (icmp_echo(); none to broadcasts, icmp_echo_ignore_broadcasts
 * 1); everything else is left to the raw sockets, which already had their copy.
 */
export function icmpReceive(ns: NetNamespace, device: NetDevice, datagram: Uint8Array, pktType: 'host' | 'broadcast'): void {
  const headerLength = (datagram[0]! & 0x0f) * 4;
  const icmp = datagram.subarray(headerLength);
  if (icmp.length < 8 || !verifiesChecksum(icmp)) {
    ns.drop(device, datagram, 'bad checksum');
    return;
  }
  const type = icmp[0]!;
  if (type === 8 && (pktType === 'host' || ns.icmp.echoIgnoreBroadcasts === 0)) {
    echoReply(ns, datagram, icmp);
    return;
  }
  // icmp_redirect() → ip_rt_redirect(): the gateway in the message, about the quoted datagram's destination.
  if (type === 5 && icmp.length >= 8 + 20) receiveRedirect(ns, device, readAddress(datagram, 12), icmp[1]!, readAddress(icmp, 4), readAddress(icmp, 8 + 16));
  ns.transport?.icmpError?.(device, datagram);
}

/**
 * icmp_reply() for an echo request: the reply comes from the address that was pinged, with the request's TOS,
 * the default TTL, no DF and a hashed IP ID, and is routed like any locally sent packet.
 */
function echoReply(ns: NetNamespace, request: Uint8Array, icmp: Uint8Array): void {
  const source = readAddress(request, 12);
  const pinged = readAddress(request, 16);
  const route = routeOutput(ns, source, { source: pinged });
  if (typeof route === 'string') return;
  const options = echoedOptions(request, route.source);
  const frame = buildDatagram(
    { source: pinged, destination: source, protocol: IpProtocol.Icmp, ttl: ns.defaultTtl, tos: request[1]!, identification: ns.idents.next(source, pinged, IpProtocol.Icmp, ns.now), dontFragment: false, ...(options ? { options } : {}) },
    icmp.length,
    (buf, at) => {
      buf.set(icmp, at);
      buf[at] = 0;
      buf[at + 2] = 0;
      buf[at + 3] = 0;
      const c = internetChecksum(buf, at, at + icmp.length);
      buf[at + 2] = c >>> 8;
      buf[at + 3] = c & 0xff;
    },
  );
  ipSend(ns, frame, route);
}

function readAddress(bytes: Uint8Array, offset: number): Ipv4Address {
  return ((bytes[offset]! << 24) | (bytes[offset + 1]! << 16) | (bytes[offset + 2]! << 8) | bytes[offset + 3]!) >>> 0;
}
