/**
 * The declared sources of variation between two runs of one scenario (DESIGN.md §5 "Normalisation rules"): each
 * has a name the report prints and the reason the field legitimately differs. Anything else that differs is a
 * real divergence.
 */

/** The names of the declared variations. */
export const Variation = {
  /** Without --same-macs, veth MACs are random (eth_random_addr()) and are matched one-to-one. */
  MacAddress: 'mac-address',
  /** IP IDs come from hashed per-destination counters with random increments (ip_idents_reserve()). */
  IpId: 'ip-id',
  /** ping's ICMP identifier is its process id (iputils ping: ident = getpid() & 0xFFFF unless -e). */
  IcmpEchoId: 'icmp-echo-id',
  /** iputils ping puts gettimeofday() at the start of each echo's data (ping_common.c: pinger()). */
  IcmpEchoTimeval: 'icmp-echo-timeval',
  /** Ephemeral ports are drawn at random from ip_local_port_range (inet_hash_connect()). */
  EphemeralPort: 'ephemeral-port',
  /** Initial sequence numbers are keyed hashes of the 4-tuple and a clock (secure_tcp_seq()). */
  TcpIsn: 'tcp-isn',
  /** TCP timestamps run from a random per-connection offset on a millisecond clock (secure_tcp_ts_off()). */
  TcpTimestamp: 'tcp-timestamp',
  /** A locally sent UDP/TCP packet leaves its checksum to the device (CHECKSUM_PARTIAL) when it offloads. */
  ChecksumOffload: 'checksum-offload',
  /** Real frames are stamped on arrival by a scheduled process; only their order is kept, within a tolerance. */
  FrameTime: 'frame-time',
  /** Bridges with addresses send IGMPv3 reports at random delays (igmp_ifc_start_timer(), get_random_u32_below()). */
  IgmpReportTiming: 'igmp-report-timing',
  /** With IPv6 enabled the kernel sends DAD, MLD and router solicitations at random delays (addrconf_dad_kick()). */
  Ipv6Noise: 'ipv6-noise',
  /** Neighbour timers fire late on a loaded machine and the dumps are taken at slightly different times. */
  NudTimerJitter: 'nud-timer-jitter',
  /** ping's rtt figures, run times and other wall-clock numbers in command output (core/doctest/normalise.ts). */
  OutputTiming: 'output-timing',
  /** Whether ping sees an ICMP error from a FAILED neighbour before it exits is a race (KERNEL-NOTES.md). */
  IcmpErrorRace: 'icmp-error-race',
  /**
   * Neighbours, FDB entries and connections are listed in hash-table order, and the hashes are keyed with random
   * seeds (neigh_hash_alloc(): hash_rnd; br_fdb rhashtable; nf_conntrack_hash_rnd).
   */
  HashOrder: 'hash-order',
  /** conntrack's per-entry timeout counts down in real seconds (nf_ct_expires()). */
  ConntrackTimeout: 'conntrack-timeout',
  /**
   * A carrier change reaches operstate, the RUNNING flag and routes' linkdown flag through linkwatch, which runs
   * non-urgent events at most once a second machine-wide (linkwatch_schedule_work()): they may lag the carrier.
   */
  LinkwatchDelay: 'linkwatch-delay',
} as const;

/** A declared variation's name. */
export type VariationName = (typeof Variation)[keyof typeof Variation];

/** How a difference is classified (DESIGN.md §5 "Report"). */
export type Classification = { readonly kind: 'divergence' } | { readonly kind: 'variation'; readonly variation: VariationName };

/** A real divergence. */
export const DIVERGENCE: Classification = { kind: 'divergence' };

/** A declared variation of the given name. */
export function variation(name: VariationName): Classification {
  return { kind: 'variation', variation: name };
}
