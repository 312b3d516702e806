import type { NetDevice } from '../l2/device.ts';

/** The netfilter hooks of IPv4 (include/uapi/linux/netfilter.h NF_INET_*), as iptables names its built-in chains. */
export type NfHook = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

/**
 * A packet at a hook: the IPv4 datagram (header and payload), the devices it came in by and goes out by. The
 * datagram may be shared with captures: a hook that rewrites it (NAT) works on a copy and returns that.
 */
export interface HookPacket {
  readonly datagram: Uint8Array;
  readonly inDevice: NetDevice | undefined;
  readonly outDevice: NetDevice | undefined;
}

/** What a hook decided: go on (with the datagram, rewritten or not), or stop here (dropped, rejected, queued). */
export type HookVerdict = { readonly accept: true; readonly datagram: Uint8Array } | { readonly accept: false };

/**
 * Netfilter as the IPv4 path sees it (net/netfilter/core.c: nf_hook()): called at each hook in the kernel's
 * places; it runs conntrack and the iptables tables in priority order. A namespace without rules has none.
 */
export interface PacketFilter {
  hook(hook: NfHook, packet: HookPacket): HookVerdict;
  /**
   * icmp_glue_bits() → nf_ct_attach(): an ICMP error the stack builds about `original` (its datagram, from byte
   * 0; `error` is the error's frame) belongs to the original's connection, confirmed or not, as related.
   */
  attachRelated?(error: Uint8Array, original: Uint8Array): void;
}
