import { formatIpv4, type Ipv4Address } from '../ipv4.ts';

/**
 * How addresses, ports and protocol numbers are printed, after tcpdump's addrtoname.c: -n keeps addresses
 * numeric, -nn also ports and protocols. twinnet never asks DNS, so without -n addresses are numeric as well
 * (tcpdump prints the same whenever reverse lookup fails); MAC addresses get tcpdump's OUI names.
 */
export interface Names {
  ipaddr(address: Ipv4Address): string;
  /** Six bytes at `at` (etheraddr_string()). */
  etheraddr(bytes: Uint8Array, at: number): string;
  tcpport(port: number): string;
  udpport(port: number): string;
  /** A protocol's name from the protocols database, or undefined (netdb_protoname()). */
  protoname(protocol: number): string | undefined;
}

/** Service and protocol names, as /etc/services and /etc/protocols give them (`'tcp/80' → 'http'`, `6 → 'tcp'`). */
export interface NameDatabase {
  readonly services?: ReadonlyMap<string, string>;
  readonly protocols?: ReadonlyMap<number, string>;
}

const HEX = '0123456789abcdef';

/** `aa:bb:…` of `length` bytes at `at` (addrtoname.c: the loop of linkaddr_string() and etheraddr_string()). */
export function hexAddress(bytes: Uint8Array, at: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    const b = bytes[at + i]!;
    s += (i === 0 ? '' : ':') + HEX[b >> 4] + HEX[b & 15];
  }
  return s;
}

/** tcpdump 4.99.3's OUI names for `(oui …)` without -n (oui.c: oui_values), as its binary prints them. */
const OUI_NAMES: ReadonlyMap<number, string> = new Map([
  [0x000000, 'Ethernet'],
  [0x00000c, 'Cisco'],
  [0x00005e, 'IANA'],
  [0x000081, 'Nortel Networks SONMP'],
  [0x0000f8, 'Cisco bridged'],
  [0x0080c2, 'Ethernet bridged'],
  [0x00a03e, 'ATM Forum'],
  [0x00e02f, 'DOCSIS Spanning Tree'],
  [0x080007, 'Appletalk'],
  [0x009069, 'Juniper'],
  [0x080009, 'Hewlett-Packard'],
  [0x00120f, 'IEEE 802.3 Private'],
  [0x0012bb, 'ANSI/TIA'],
  [0x001b21, 'DCBX'],
  [0x002320, 'Nicira Networks'],
  [0x5c16c7, 'Big Switch Networks'],
  [0xb0d2f5, 'Vello Systems'],
  [0x002481, 'HP'],
  [0x0004ea, 'HP-Labs'],
  [0x748771, 'Infoblox Inc'],
  [0xa42305, 'Open Networking Lab'],
  [0x00049f, 'Freescale'],
  [0x0015ad, 'Netronome'],
  [0x001018, 'Broadcom'],
  [0x00e004, 'PMC-Sierra'],
  [0xd0f0db, 'Ericsson'],
]);

/** The printing of names for `n` (the count of -n) and an optional database of service and protocol names. */
export function createNames(n: number, database: NameDatabase = {}): Names {
  const numeric = (port: number): string => String(port);
  const service = (kind: 'tcp' | 'udp') => (port: number): string => database.services?.get(`${kind}/${port}`) ?? String(port);
  return {
    ipaddr: formatIpv4,
    etheraddr:
      n > 0
        ? (bytes, at) => hexAddress(bytes, at, 6)
        : (bytes, at) => {
            const text = hexAddress(bytes, at, 6);
            if (text === 'ff:ff:ff:ff:ff:ff') return 'Broadcast';
            const oui = (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
            return `${text} (oui ${OUI_NAMES.get(oui) ?? 'Unknown'})`;
          },
    tcpport: n > 1 ? numeric : service('tcp'),
    udpport: n > 1 ? numeric : service('udp'),
    protoname: (protocol) => (n > 0 ? undefined : database.protocols?.get(protocol)),
  };
}

/**
 * Reads service and protocol names from the text of /etc/services and /etc/protocols (`name port/proto aliases`,
 * `name number aliases`), keeping the first name of each, as getservent() order gives tcpdump.
 */
export function parseNameDatabase(servicesText: string, protocolsText: string): NameDatabase {
  const services = new Map<string, string>();
  for (const line of servicesText.split('\n')) {
    const [name, portProto] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (name === undefined || portProto === undefined || !/^\d+\/\w+$/.test(portProto)) continue;
    if (!services.has(portProto)) services.set(portProto, name);
  }
  const protocols = new Map<number, string>();
  for (const line of protocolsText.split('\n')) {
    const [name, number] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (name === undefined || number === undefined || !/^\d+$/.test(number)) continue;
    if (!protocols.has(Number(number))) protocols.set(Number(number), name);
  }
  return { services, protocols };
}
