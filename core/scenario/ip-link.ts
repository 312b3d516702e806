/**
 * `ip link add|set|del|show` as iproute2 6.1 reads them (ip/iplink.c iplink_parse(), iplink_modify(),
 * ip/link_veth.c, ip/iplink_bridge.c, ip/ipaddress.c ipaddr_list_flush_or_save()). Keywords keep their
 * exact-or-prefix matching, so `ip link add a type veth` reads `a` as `address`, as the real tool does.
 */
import type { MacAddress } from '../mac.ts';
import { parseMac } from '../mac.ts';
import { ok, type Result } from '../result.ts';
import { type Args, toolError, unsupportedError, type Word } from './args.ts';
import type { BridgeAttributes, CommandBody, IpOptions, LinkAdd } from './commands.ts';
import type { ScenarioError } from './error.ts';
import { duparg, duparg2, firstMatch, IFNAMSIZ, incomplete, invarg, markNetns, matches, nextArg, validIfname } from './iproute2.ts';
import { parseCUnsigned } from './args.ts';

/** What iplink_parse() collected. */
interface LinkRequest {
  up: boolean | undefined;
  name: Word | undefined;
  dev: Word | undefined;
  address: MacAddress | undefined;
  mtu: number | undefined;
  netns: Word | undefined;
  netnsIndex: number;
  master: string | null | undefined;
  type: Word | undefined;
  first: Word | undefined;
  /** `index N`: the ifindex asked for (ip link add only). */
  index: number | undefined;
}

/** iplink_parse() keywords that twinnet recognises but does not model: [keyword, exact, takes an argument]. */
const UNMODELLED: readonly (readonly [string, boolean, boolean])[] = [
  ['link', false, true], ['broadcast', false, true], ['brd', true, true],
];
/** Flags that take "on" or "off" (iplink_parse() on_off()). */
const ON_OFF = new Set(['multicast', 'allmulticast', 'promisc', 'trailers', 'arp', 'carrier', 'dynamic', 'protodown']);
const UNMODELLED_LATE: readonly (readonly [string, boolean, boolean])[] = [
  ['multicast', true, true], ['allmulticast', true, true], ['promisc', true, true], ['trailers', true, true], ['arp', true, true],
  ['carrier', true, true], ['vf', true, true],
];
const UNMODELLED_AFTER_TYPE: readonly (readonly [string, boolean, boolean])[] = [
  ['alias', false, true], ['group', true, true], ['mode', true, true], ['state', true, true], ['numtxqueues', false, true],
  ['numrxqueues', false, true], ['addrgenmode', false, true], ['link-netns', true, true], ['link-netnsid', false, true],
  ['protodown', true, true], ['protodown_reason', true, true], ['gso_max_size', true, true], ['gso_max_segs', true, true],
  ['gro_max_size', true, true], ['parentdev', true, true],
];

function hit(word: string, table: readonly (readonly [string, boolean, boolean])[]): string | undefined {
  return table.find(([k, exact]) => (exact ? word === k : matches(word, k)))?.[0];
}

/** A keyword twinnet does not model, after checking its argument as iproute2 does ("on"/"off" flags). */
function onOff(args: Args, w: Word, keyword: string): Result<never, ScenarioError> {
  const v = args.next();
  if (!v) return incomplete(w);
  if (ON_OFF.has(keyword) && v.text !== 'on' && v.text !== 'off') return toolError(v.position, `Error: argument of "${keyword}" must be "on" or "off", not "${v.text}"`);
  return unsupportedError(w.position, `"ip link … ${keyword}" is not modelled by twinnet`);
}

/** ll_addr_a2n(): colon-separated hex bytes, six of them for Ethernet. */
function lladdr(word: Word): Result<MacAddress, ScenarioError> {
  const parts = word.text.split(':');
  if (!parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p))) return toolError(word.position, `"${word.text}" is invalid lladdr.`);
  if (parts.length !== 6) return toolError(word.position, `Invalid address length ${parts.length} - must be 6 bytes`);
  const mac = parseMac(word.text);
  return mac.ok ? ok(mac.value) : toolError(word.position, `"${word.text}" is invalid lladdr.`);
}

/** get_integer(…, 0): a signed C integer in any base. */
function cInteger(text: string): number | undefined {
  const negative = text.startsWith('-');
  const n = parseCUnsigned(negative ? text.slice(1) : text, 2 ** 31);
  if (n === undefined || (!negative && n === 2 ** 31)) return undefined;
  return negative ? -n : n;
}

/** ip/iplink.c iplink_parse(): reads until `type TYPE` or the end. */
function iplinkParse(args: Args): Result<LinkRequest, ScenarioError> {
  const req: LinkRequest = { up: undefined, name: undefined, dev: undefined, address: undefined, mtu: undefined, netns: undefined, netnsIndex: -1, master: undefined, type: undefined, first: args.peek(), index: undefined };
  while (!args.done) {
    const w = args.next()!;
    const t = w.text;
    if (t === 'up' || t === 'down') {
      req.up = t === 'up';
      continue;
    }
    if (t === 'name') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      if (req.name) return toolError(v.value.position, duparg('name', v.value.text));
      if (!validIfname(v.value.text) || v.value.text.length >= IFNAMSIZ) return toolError(v.value.position, invarg('"name" not a valid ifname', v.value.text));
      req.name = v.value;
      if (!req.dev) req.dev = v.value;
      continue;
    }
    if (matches(t, 'txqueuelen') || t === 'qlen' || matches(t, 'txqlen')) {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      if (cInteger(v.value.text) === undefined) return toolError(v.value.position, invarg('Invalid "txqueuelen" value', v.value.text));
      return unsupportedError(w.position, '"ip link … txqueuelen" is not modelled by twinnet');
    }
    if (t === 'index') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      if (req.index !== undefined) return toolError(v.value.position, duparg('index', v.value.text));
      const n = cInteger(v.value.text);
      if (n === undefined || n <= 0) return toolError(v.value.position, invarg('Invalid "index" value', v.value.text));
      req.index = n;
      continue;
    }
    const early = hit(t, UNMODELLED);
    if (early) return args.done ? incomplete(w) : unsupportedError(w.position, `"ip link … ${early}" is not modelled by twinnet`);
    if (matches(t, 'address')) {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      const mac = lladdr(v.value);
      if (!mac.ok) return mac;
      req.address = mac.value;
      continue;
    }
    if (t === 'mtu') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      if (req.mtu !== undefined) return toolError(v.value.position, duparg('mtu', v.value.text));
      const n = cInteger(v.value.text);
      if (n === undefined) return toolError(v.value.position, invarg('Invalid "mtu" value', v.value.text));
      req.mtu = n;
      continue;
    }
    if (t.startsWith('xdp') && ['xdp', 'xdpgeneric', 'xdpdrv', 'xdpoffload'].includes(t)) return unsupportedError(w.position, '"ip link … xdp" is not modelled by twinnet');
    if (t === 'netns') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      if (req.netns) return toolError(v.value.position, duparg('netns', v.value.text));
      if (/^[0-9]+$/.test(v.value.text)) return unsupportedError(v.value.position, '"netns PID" (name a namespace made with "ip netns add")');
      req.netns = v.value;
      req.netnsIndex = args.index - 1;
      continue;
    }
    const late = hit(t, UNMODELLED_LATE);
    if (late) return onOff(args, w, late);
    if (matches(t, 'master')) {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      req.master = v.value.text;
      continue;
    }
    if (t === 'vrf') return args.done ? incomplete(w) : unsupportedError(w.position, '"ip link … vrf" is not modelled by twinnet');
    if (matches(t, 'nomaster')) {
      req.master = null;
      continue;
    }
    if (matches(t, 'dynamic')) return onOff(args, w, 'dynamic');
    if (matches(t, 'type')) {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      req.type = v.value;
      return ok(req);
    }
    const after = hit(t, UNMODELLED_AFTER_TYPE);
    if (after) return args.done ? incomplete(w) : unsupportedError(w.position, `"ip link … ${after}" is not modelled by twinnet`);
    if (matches(t, 'help')) return unsupportedError(w.position, '"ip link help" prints usage only');
    let dev = w;
    if (t === 'dev') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      dev = v.value;
    }
    if (req.dev && req.dev !== req.name) return toolError(dev.position, duparg2('dev', dev.text));
    if (!validIfname(dev.text)) return toolError(dev.position, invarg('"dev" not a valid ifname', dev.text));
    req.dev = dev;
  }
  return ok(req);
}

/** The created device's name: `name` and a bare/`dev` word must agree (iplink_parse() for NLM_F_CREATE). */
function createdName(req: LinkRequest, at: Word): Result<string | undefined, ScenarioError> {
  if (req.name && req.dev && req.dev !== req.name) return toolError(at.position, 'both "name" and "dev" cannot be used when creating devices.');
  return ok((req.name ?? req.dev)?.text);
}

/** Link kinds the kernel knows but twinnet does not model. */
const OTHER_KINDS = new Set(['vlan', 'vcan', 'vxcan', 'ifb', 'macvlan', 'macvtap', 'bond', 'bond_slave', 'team', 'team_slave', 'ipoib', 'ip6tnl', 'ipip', 'sit', 'vxlan', 'gre', 'gretap', 'erspan', 'ip6gre', 'ip6gretap', 'ip6erspan', 'vti', 'vti6', 'nlmon', 'ipvlan', 'ipvtap', 'geneve', 'bareudp', 'bridge_slave', 'vrf', 'macsec', 'netdevsim', 'rmnet', 'xfrm', 'gtp', 'virt_wifi', 'wireguard', 'amt', 'tun', 'tap', 'hsr', 'batadv']);

/** ip/iplink_bridge.c bridge_parse_opt(), for the one attribute twinnet models. */
function bridgeOptions(args: Args): Result<BridgeAttributes, ScenarioError> {
  let ageingTime: number | undefined;
  while (!args.done) {
    const w = args.next()!;
    if (matches(w.text, 'ageing_time')) {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      const n = parseCUnsigned(v.value.text, 0xffffffff);
      if (n === undefined) return toolError(v.value.position, invarg('invalid ageing_time', v.value.text));
      ageingTime = n;
    } else if (KNOWN_BRIDGE_OPTIONS.some((k) => matches(w.text, k))) {
      return unsupportedError(w.position, `bridge attribute "${w.text}" is not modelled by twinnet`);
    } else {
      return toolError(w.position, `bridge: unknown command "${w.text}"?`);
    }
  }
  return ok(ageingTime === undefined ? {} : { ageingTime });
}

const KNOWN_BRIDGE_OPTIONS = ['forward_delay', 'hello_time', 'max_age', 'stp_state', 'priority', 'vlan_filtering', 'vlan_protocol', 'group_fwd_mask', 'group_address', 'fdb_flush', 'vlan_default_pvid', 'vlan_stats_enabled', 'vlan_stats_per_port', 'mcast_router', 'mcast_snooping', 'mcast_vlan_snooping', 'mcast_query_use_ifaddr', 'mcast_querier', 'mcast_hash_elasticity', 'mcast_hash_max', 'mcast_last_member_count', 'mcast_startup_query_count', 'mcast_last_member_interval', 'mcast_membership_interval', 'mcast_querier_interval', 'mcast_query_interval', 'mcast_query_response_interval', 'mcast_startup_query_interval', 'mcast_stats_enabled', 'mcast_igmp_version', 'mcast_mld_version', 'nf_call_iptables', 'nf_call_ip6tables', 'nf_call_arptables', 'multi_boolopt'];

/** `ip link add …`. */
function linkAdd(args: Args, verb: Word): Result<CommandBody, ScenarioError> {
  const req = iplinkParse(args);
  if (!req.ok) return req;
  const r = req.value;
  const name = createdName(r, r.first ?? verb);
  if (!name.ok) return name;
  if (!r.type) return toolError(verb.position, 'Not enough information: "type" argument is required');
  if (r.master !== undefined) return unsupportedError(verb.position, '"ip link add … master" (add it, then "ip link set DEV master BR")');
  const type = r.type.text;
  if (name.value === undefined) return unsupportedError(verb.position, 'a link without a name (the kernel would choose one)');
  // The kernel's dev_valid_name() refuses 16 characters or more; iproute2 passes a bare name through.
  if (name.value.length >= IFNAMSIZ) return toolError((r.dev ?? verb).position, 'Error: Attribute failed policy validation.');
  let peer: LinkAdd['peer'];
  let bridge: BridgeAttributes | undefined;
  const netnsIndexes = r.netns ? [r.netnsIndex] : [];
  if (type === 'veth') {
    if (!args.done) {
      const p = args.next()!;
      if (p.text !== 'peer') return toolError(p.position, 'Usage: ip link <options> type veth [peer <options>]');
      const preq = iplinkParse(args);
      if (!preq.ok) return preq;
      if (preq.value.type) return toolError(preq.value.type.position, duparg('type', preq.value.type.text));
      const peerName = createdName(preq.value, preq.value.first ?? p);
      if (!peerName.ok) return peerName;
      if (preq.value.master !== undefined || preq.value.up !== undefined) return unsupportedError(p.position, 'up/master on a veth peer');
      peer = { name: peerName.value, address: preq.value.address, mtu: preq.value.mtu, netns: preq.value.netns?.text, index: preq.value.index };
      if (preq.value.netns) netnsIndexes.push(preq.value.netnsIndex);
    } else {
      peer = { name: undefined, address: undefined, mtu: undefined, netns: undefined, index: undefined };
    }
  } else if (type === 'bridge') {
    const b = bridgeOptions(args);
    if (!b.ok) return b;
    bridge = b.value;
  } else if (type === 'dummy') {
    if (!args.done) return toolError(args.peek()!.position, `Garbage instead of arguments "${args.peek()!.text} ...". Try "ip link help".`);
  } else if (OTHER_KINDS.has(type)) {
    return unsupportedError(r.type.position, `link type "${type}" is not modelled by twinnet (veth, bridge and dummy are)`);
  } else {
    if (!args.done) return toolError(args.peek()!.position, `Garbage instead of arguments "${args.peek()!.text} ...". Try "ip link help".`);
    return toolError(r.type.position, 'Error: Unknown device type.');
  }
  const body: CommandBody = { kind: 'link.add', name: name.value, linkType: type, address: r.address, mtu: r.mtu, up: r.up, netns: r.netns?.text, peer, bridge, index: r.index };
  return ok(markNetns(body, ...netnsIndexes));
}

/** `ip link set …`. */
function linkSet(args: Args, verb: Word): Result<CommandBody, ScenarioError> {
  const req = iplinkParse(args);
  if (!req.ok) return req;
  const r = req.value;
  if (!r.dev) return toolError(verb.position, 'Not enough information: "dev" argument is required.');
  let bridge: BridgeAttributes | undefined;
  if (r.type) {
    if (r.type.text !== 'bridge') return unsupportedError(r.type.position, `"ip link set … type ${r.type.text}" is not modelled by twinnet (type bridge ageing_time is)`);
    const b = bridgeOptions(args);
    if (!b.ok) return b;
    bridge = b.value;
  }
  const rename = r.name && r.name !== r.dev ? r.name.text : undefined;
  const body: CommandBody = { kind: 'link.set', device: r.dev.text, up: r.up, master: r.master, netns: r.netns?.text, address: r.address, mtu: r.mtu, name: rename, bridge };
  return ok(r.netns ? markNetns(body, r.netnsIndex) : body);
}

/** `ip link del …`. */
function linkDel(args: Args, verb: Word): Result<CommandBody, ScenarioError> {
  const req = iplinkParse(args);
  if (!req.ok) return req;
  const r = req.value;
  if (!r.dev) return toolError(verb.position, 'Not enough information: "dev" argument is required.');
  if (r.up !== undefined || r.address !== undefined || r.mtu !== undefined || r.netns || r.master !== undefined || (r.name && r.name !== r.dev)) {
    return unsupportedError(verb.position, '"ip link del" with attributes');
  }
  return ok({ kind: 'link.del', device: r.dev.text });
}

/** ip/ipaddress.c ipaddr_list_flush_or_save() filters, for `ip link show` and `ip addr show`. */
export function showFilters(args: Args, object: 'link' | 'address'): Result<{ device: string | undefined; up: boolean; master: string | undefined; linkType: string | undefined }, ScenarioError> {
  let device: Word | undefined;
  let up = false;
  let master: string | undefined;
  let linkType: string | undefined;
  while (!args.done) {
    const w = args.next()!;
    const t = w.text;
    if (t === 'up') {
      up = true;
    } else if (t === 'master' || t === 'type') {
      const v = nextArg(args, w);
      if (!v.ok) return v;
      if (t === 'master') master = v.value.text;
      else linkType = v.value.text;
    } else if (['to', 'scope', 'label', 'group', 'vrf', 'proto', 'nomaster'].includes(t) || ['dynamic', 'permanent', 'secondary', 'primary', 'temporary', 'tentative', 'deprecated', 'dadfailed', 'home', 'nodad', 'mngtmpaddr', 'noprefixroute', 'autojoin'].includes(t.replace(/^-/, ''))) {
      return unsupportedError(w.position, `"ip ${object} show ${t}" is not modelled by twinnet`);
    } else {
      let dev = w;
      if (t === 'dev') {
        const v = nextArg(args, w);
        if (!v.ok) return v;
        dev = v.value;
      } else if (matches(t, 'help')) {
        return unsupportedError(w.position, `"ip ${object} help" prints usage only`);
      }
      if (device) return toolError(dev.position, duparg2('dev', dev.text));
      device = dev;
    }
  }
  return ok({ device: device?.text, up, master, linkType });
}

/** ip/iplink.c do_iplink(). */
export function parseIpLink(args: Args, options: IpOptions): Result<CommandBody, ScenarioError> {
  const verb = args.next();
  if (!verb) return ok({ kind: 'link.show', device: undefined, up: false, master: undefined, linkType: undefined, options });
  const sub = firstMatch(verb.text, ['add', 'set', 'change', 'replace', 'delete', 'show', 'lst', 'list', 'xstats', 'afstats', 'property', 'help'] as const);
  switch (sub) {
    case 'add': return linkAdd(args, verb);
    case 'set': case 'change': return linkSet(args, verb);
    case 'delete': return linkDel(args, verb);
    case 'show': case 'lst': case 'list': {
      const f = showFilters(args, 'link');
      if (!f.ok) return f;
      return ok({ kind: 'link.show', ...f.value, options });
    }
    case undefined: return toolError(verb.position, `Command "${verb.text}" is unknown, try "ip link help".`);
    default: return unsupportedError(verb.position, `"ip link ${sub}" is not modelled by twinnet`);
  }
}
