/* tcpdump 4.99.3's value-to-name tables, as its binary prints them (probed over every value). */

/** EtherType names (print-ether.c: ethertype_values). */
export const ETHERTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x00fe, 'GRE-OSI'],
  [0x0200, 'PUP'],
  [0x0500, 'Sprite'],
  [0x0600, 'NS'],
  [0x0707, 'GeoNet (old)'],
  [0x0800, 'IPv4'],
  [0x0806, 'ARP'],
  [0x1000, 'Trail'],
  [0x1111, 'CALM FAST'],
  [0x6001, 'MOP DL'],
  [0x6002, 'MOP RC'],
  [0x6003, 'DN'],
  [0x6004, 'LAT'],
  [0x6007, 'SCA'],
  [0x6558, 'TEB'],
  [0x8035, 'Reverse ARP'],
  [0x8038, 'Lanbridge'],
  [0x803c, 'DEC DNS'],
  [0x803e, 'DEC DTS'],
  [0x805b, 'VEXP'],
  [0x805c, 'VPROD'],
  [0x809b, 'Appletalk'],
  [0x80f3, 'Appletalk ARP'],
  [0x8100, '802.1Q'],
  [0x8137, 'IPX'],
  [0x86dd, 'IPv6'],
  [0x8808, 'MPCP'],
  [0x8809, 'Slow Protocols'],
  [0x880b, 'PPP'],
  [0x8847, 'MPLS unicast'],
  [0x8848, 'MPLS multicast'],
  [0x8863, 'PPPoE D'],
  [0x8864, 'PPPoE S'],
  [0x886f, 'MS NLB heartbeat'],
  [0x8870, 'Jumbo'],
  [0x888e, 'EAPOL'],
  [0x8899, 'Realtek protocols'],
  [0x88a2, 'AoE'],
  [0x88a8, '802.1Q-QinQ'],
  [0x88ca, 'TIPC'],
  [0x88cc, 'LLDP'],
  [0x88e5, '802.1AE MACsec'],
  [0x88f7, 'PTP'],
  [0x8902, 'CFM'],
  [0x893a, 'IEEE1905.1'],
  [0x8947, 'GeoNet'],
  [0x894f, 'NSH'],
  [0x9000, 'Loopback'],
  [0x9100, '802.1Q-9100'],
  [0x9200, '802.1Q-9200'],
  [0xabcd, 'CFM (old)'],
  [0xd28b, 'Arista Vendor Specific Protocol'],
  [0xfefe, 'OSI'],
]);

/**
 * EtherTypes tcpdump hands to a printer of its own (print-ether.c: ethertype_print() and the special cases of
 * ether_common_print()); twinnet prints IPv4, ARP, RARP and VLAN tags, and the others as unknown types.
 */
export const ETHERTYPES_WITH_PRINTER: ReadonlySet<number> = new Set([
  0x0707, 0x0800, 0x0806, 0x1111, 0x3c12, 0x3c13, 0x6003, 0x8035, 0x809b, 0x80f3, 0x8100, 0x8137, 0x86dd, 0x8808, 0x8809, 0x880b, 0x8847, 0x8848,
  0x8863, 0x8864, 0x886f, 0x8870, 0x888e, 0x8899, 0x88a2, 0x88a8, 0x88ca, 0x88cc, 0x88e5, 0x88f7, 0x8902, 0x8947, 0x894f, 0x9000, 0x9100, 0x9200,
  0xabcd, 0xd28b, 0xfefe,
]);

/** IP protocol names under -v (ipproto.c: ipproto_values). */
export const IPPROTO_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Options'],
  [1, 'ICMP'],
  [2, 'IGMP'],
  [4, 'IPIP'],
  [6, 'TCP'],
  [8, 'EGP'],
  [9, 'IGRP'],
  [17, 'UDP'],
  [33, 'DCCP'],
  [41, 'IPv6'],
  [43, 'Routing'],
  [44, 'Fragment'],
  [46, 'RSVP'],
  [47, 'GRE'],
  [50, 'ESP'],
  [51, 'AH'],
  [55, 'Mobile IP'],
  [58, 'ICMPv6'],
  [62, 'Mobile IP (old)'],
  [88, 'EIGRP'],
  [89, 'OSPF'],
  [103, 'PIM'],
  [108, 'Compressed IP'],
  [112, 'VRRP'],
  [113, 'PGM'],
  [132, 'SCTP'],
  [135, 'Mobility'],
  [143, 'Ethernet'],
]);

/**
 * IP protocols tcpdump hands to a printer of its own (print-ip-demux.c: ip_demux_print()); twinnet prints ICMP,
 * IGMP, IPIP, TCP, UDP and the one-liners, and the others as unknown protocols.
 */
export const IPPROTOS_WITH_PRINTER: ReadonlySet<number> = new Set([1, 2, 4, 6, 8, 9, 17, 33, 41, 46, 47, 50, 51, 55, 58, 59, 77, 88, 89, 103, 108, 112, 113, 132, 143]);

/** ARP hardware types (print-arp.c: arphrd_values). */
export const ARPHRD_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Ethernet'],
  [6, 'TokenRing'],
  [7, 'ArcNet'],
  [15, 'FrameRelay'],
  [23, 'Strip'],
  [24, 'IEEE 1394'],
  [19, 'ATM'],
  [32, 'InfiniBand'],
]);

/** ARP operations (print-arp.c: arpop_values). */
export const ARPOP_NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Request'],
  [2, 'Reply'],
  [3, 'Reverse Request'],
  [4, 'Reverse Reply'],
  [8, 'Inverse Request'],
  [9, 'Inverse Reply'],
  [10, 'NACK Reply'],
]);
