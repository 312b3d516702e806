/**
 * The typed commands of a scenario (DESIGN.md §2): one variant per operation, the same values for the simulator
 * (which applies them to its model) and the kernel adapter (which re-emits `argv` with sandbox names).
 * Addresses are numbers (core/ipv4.ts, core/mac.ts); devices and namespaces are names.
 */
import type { Ipv4Address, Ipv4Cidr } from '../ipv4.ts';
import type { MacAddress } from '../mac.ts';
import type { Word } from './args.ts';
import type { IptablesRule } from './iptables.ts';
import type { Redirection } from './shell.ts';
import type { SourcePosition } from './source.ts';

/** What every command carries besides its typed arguments. */
export interface CommandBase {
  /** The namespace it runs in (`ip netns exec NS …`, `ip -n NS …`, an interactive shell); undefined = the scenario's global one. */
  readonly namespace: string | undefined;
  /** Started with a trailing `&`. */
  readonly background: boolean;
  /** Where the tool's name stands (after `sudo` and `ip netns exec NS`). */
  readonly position: SourcePosition;
  /** The original source text of the whole command, from its first word to its last. */
  readonly text: string;
  /** The tool's argument vector as written (quotes removed; without `sudo` and the `ip netns exec NS` prefix). */
  readonly argv: readonly string[];
  /** `argv` with the position of each word. */
  readonly words: readonly Word[];
  /** Indexes into `argv` of the words that name a namespace (`-n NS`, `netns NS`, `ip netns add NS`): the kernel adapter renames them. */
  readonly netnsArgs: readonly number[];
  /** Output redirections, in order. */
  readonly redirections: readonly Redirection[];
  /** Standard input from a here-string (`<<< word` gives `word\n`), or undefined. */
  readonly stdin: string | undefined;
}

/** iproute2's global display options (ip/ip.c main()): `-br -j -p -o -s -d -4 -0 -N`. */
export interface IpOptions {
  readonly brief: boolean;
  readonly json: boolean;
  readonly pretty: boolean;
  readonly oneline: boolean;
  /** `-s` given this many times. */
  readonly stats: number;
  /** `-d` given this many times. */
  readonly details: number;
  /** `-4` → inet, `-0` → link; undefined = all. */
  readonly family: 'inet' | 'link' | undefined;
  readonly numeric: boolean;
}

// ── namespaces ──────────────────────────────────────────────────────────────────────────────────────────────

/** `ip netns add NAME`. */
export interface NetnsAdd {
  readonly kind: 'netns.add';
  readonly name: string;
}
/** `ip netns del NAME`. */
export interface NetnsDel {
  readonly kind: 'netns.del';
  readonly name: string;
}
/** `ip netns [list]`. */
export interface NetnsList {
  readonly kind: 'netns.list';
  readonly options: IpOptions;
}

/** `ip netns identify`: the names of the namespace the command runs in (none for the global one). */
export interface NetnsIdentify {
  readonly kind: 'netns.identify';
}

// ── links ───────────────────────────────────────────────────────────────────────────────────────────────────

/** Bridge attributes settable with `type bridge …` (ip/iplink_bridge.c). */
export interface BridgeAttributes {
  /** `ageing_time` in centiseconds, as written (the kernel's unit is USER_HZ). */
  readonly ageingTime?: number;
}

/** `ip link add NAME type veth|bridge|dummy …`. */
export interface LinkAdd {
  readonly kind: 'link.add';
  readonly name: string;
  readonly linkType: 'veth' | 'bridge' | 'dummy';
  readonly address: MacAddress | undefined;
  readonly mtu: number | undefined;
  readonly up: boolean | undefined;
  /** Created directly in this namespace (`ip link add X netns NS …`). */
  readonly netns: string | undefined;
  /** The veth peer: `peer [name] NAME [address MAC] [mtu N] [netns NS] [index N]`. */
  readonly peer:
    | { readonly name: string | undefined; readonly address: MacAddress | undefined; readonly mtu: number | undefined; readonly netns: string | undefined; readonly index: number | undefined }
    | undefined;
  readonly bridge: BridgeAttributes | undefined;
  /** `index N`: the ifindex to take (RTNETLINK answers: File exists when taken). */
  readonly index: number | undefined;
}

/** `ip link set [dev] DEV up|down|master BR|nomaster|netns NS|address MAC|mtu N|name NEW [type bridge ageing_time N]`. */
export interface LinkSet {
  readonly kind: 'link.set';
  readonly device: string;
  readonly up: boolean | undefined;
  /** A bridge name, `null` for `nomaster`, undefined when not changed. */
  readonly master: string | null | undefined;
  readonly netns: string | undefined;
  readonly address: MacAddress | undefined;
  readonly mtu: number | undefined;
  readonly name: string | undefined;
  readonly bridge: BridgeAttributes | undefined;
}

/** `ip link del [dev] DEV`. */
export interface LinkDel {
  readonly kind: 'link.del';
  readonly device: string;
}

/** `ip link [show|list] [[dev] DEV] [up] [master BR] [type TYPE]`. */
export interface LinkShow {
  readonly kind: 'link.show';
  readonly device: string | undefined;
  readonly up: boolean;
  readonly master: string | undefined;
  readonly linkType: string | undefined;
  readonly options: IpOptions;
}

// ── addresses ───────────────────────────────────────────────────────────────────────────────────────────────

/** `ip addr add|del CIDR [brd +|-|A] [label L] [scope S] [metric N] [noprefixroute] dev DEV`. */
export interface AddrChange {
  readonly kind: 'addr.add' | 'addr.del';
  readonly address: Ipv4Cidr;
  readonly device: string;
  /** `brd +` (computed from the prefix), `brd -` (none), or an address. */
  readonly broadcast: Ipv4Address | '+' | '-' | undefined;
  readonly label: string | undefined;
  readonly scope: 'global' | 'link' | 'host' | undefined;
  /** `metric N`: the metric of the prefix route (IFA_RT_PRIORITY). */
  readonly metric: number | undefined;
  /** `noprefixroute`: no prefix route is added (IFA_F_NOPREFIXROUTE). */
  readonly noPrefixRoute: boolean;
}

/** `ip addr [show] [[dev] DEV] [up]`, `ip a`. */
export interface AddrShow {
  readonly kind: 'addr.show';
  readonly device: string | undefined;
  readonly up: boolean;
  readonly options: IpOptions;
}

// ── routes ──────────────────────────────────────────────────────────────────────────────────────────────────

/** A routing table: main 254, local 255, default 253, or a number. */
export type RouteTable = number;

/** `ip route add|del|replace|append PREFIX|default [via GW] [dev DEV] [src A] [metric N] [table T] [proto P] [scope S]`. */
export interface RouteChange {
  readonly kind: 'route.add' | 'route.del' | 'route.replace' | 'route.append';
  /** `default` is 0.0.0.0/0. */
  readonly destination: Ipv4Cidr;
  readonly via: Ipv4Address | undefined;
  readonly device: string | undefined;
  readonly source: Ipv4Address | undefined;
  readonly metric: number | undefined;
  readonly table: RouteTable | undefined;
  /** `proto NAME|N`, as iproute2 prints it back (`dhcp`, `kernel`, or the number). */
  readonly protocol: string | undefined;
  /** `scope NAME`. */
  readonly scope: 'global' | 'site' | 'link' | 'host' | 'nowhere' | undefined;
}

/** `ip route [show|list] [table T|all] [dev DEV]`. */
export interface RouteShow {
  readonly kind: 'route.show';
  readonly table: RouteTable | 'all' | undefined;
  readonly device: string | undefined;
  readonly options: IpOptions;
}

/** `ip route get ADDR`. */
export interface RouteGet {
  readonly kind: 'route.get';
  readonly address: Ipv4Address;
  readonly options: IpOptions;
}

/** net-tools `route [-n]`. */
export interface NetToolsRoute {
  readonly kind: 'route.nettools';
  readonly numeric: boolean;
}

// ── neighbours ──────────────────────────────────────────────────────────────────────────────────────────────

/** `ip neigh [show|flush] [dev DEV]`. */
export interface NeighShowFlush {
  readonly kind: 'neigh.show' | 'neigh.flush';
  readonly device: string | undefined;
  readonly options: IpOptions;
}

/** `ip ntable show [dev DEV] [name NAME]`. */
export interface NtableShow {
  readonly kind: 'ntable.show';
  readonly device: string | undefined;
  readonly name: string | undefined;
  readonly options: IpOptions;
}

/** net-tools `arp -a` / `arp -n` / `arp -an`. */
export interface NetToolsArp {
  readonly kind: 'arp';
  /** `-a`: BSD style output. */
  readonly all: boolean;
  readonly numeric: boolean;
}

// ── bridge ──────────────────────────────────────────────────────────────────────────────────────────────────

/** `bridge link [show] [[dev] DEV]`. */
export interface BridgeLinkShow {
  readonly kind: 'bridge.link.show';
  readonly device: string | undefined;
  readonly options: IpOptions;
}

/** `bridge fdb [show] [br BR] [brport|dev DEV] [dynamic]`. */
export interface BridgeFdbShow {
  readonly kind: 'bridge.fdb.show';
  readonly bridge: string | undefined;
  readonly device: string | undefined;
  readonly dynamic: boolean;
  readonly options: IpOptions;
}

// ── netfilter ───────────────────────────────────────────────────────────────────────────────────────────────

/** `iptables …`: one command of iptables' own (xtables `-A -I -D -R -F -X -N -P -Z -S -L`). */
export interface Iptables {
  readonly kind: 'iptables';
  readonly table: 'filter' | 'nat';
  readonly command: IptablesCommand;
}

/** The iptables operation with its chain, rule and numbers. */
export type IptablesCommand =
  | { readonly op: 'append'; readonly chain: string; readonly rule: IptablesRule }
  | { readonly op: 'insert'; readonly chain: string; readonly ruleNumber: number; readonly rule: IptablesRule }
  | { readonly op: 'delete'; readonly chain: string; readonly rule: IptablesRule }
  | { readonly op: 'delete-number'; readonly chain: string; readonly ruleNumber: number }
  | { readonly op: 'replace'; readonly chain: string; readonly ruleNumber: number; readonly rule: IptablesRule }
  | { readonly op: 'flush' | 'zero' | 'delete-chain'; readonly chain: string | undefined }
  | { readonly op: 'new-chain'; readonly chain: string }
  | { readonly op: 'policy'; readonly chain: string; readonly policy: 'ACCEPT' | 'DROP' }
  | { readonly op: 'list-rules'; readonly chain: string | undefined; readonly verbose: boolean }
  | {
      readonly op: 'list';
      readonly chain: string | undefined;
      readonly numeric: boolean;
      readonly verbose: boolean;
      readonly lineNumbers: boolean;
      readonly exact: boolean;
    };

/** `iptables-save [-t TABLE] [-c]`. */
export interface IptablesSave {
  readonly kind: 'iptables-save';
  readonly table: 'filter' | 'nat' | undefined;
  readonly counters: boolean;
}

/** `conntrack -L [-p PROTO]`. */
export interface ConntrackList {
  readonly kind: 'conntrack.list';
  readonly protocol: 'tcp' | 'udp' | 'icmp' | undefined;
}

// ── sysctl ──────────────────────────────────────────────────────────────────────────────────────────────────

/** One `key` or `key=value` of a sysctl line; keys in dotted form (`net/ipv4/ip_forward` is normalised). */
export interface SysctlSetting {
  readonly key: string;
  readonly value: number | undefined;
  readonly position: SourcePosition;
}

/** `sysctl [-w] [-q] [-n] [-e] key[=value]…`. */
export interface Sysctl {
  readonly kind: 'sysctl';
  readonly settings: readonly SysctlSetting[];
  readonly write: boolean;
  readonly quiet: boolean;
  /** `-n`: print values only. */
  readonly valuesOnly: boolean;
  /** `-e`: ignore unknown keys. */
  readonly ignoreUnknown: boolean;
}

// ── traffic ─────────────────────────────────────────────────────────────────────────────────────────────────

/** iputils `ping [-c N] [-i S] [-W S] [-w S] [-I DEV|ADDR] [-s SIZE] [-t TTL] [-e ID] [-f] [-q] [-b] [-n] ADDR`. */
export interface Ping {
  readonly kind: 'ping';
  readonly destination: Ipv4Address;
  /** The destination as written (`ping 10.1` prints `PING 10.1 (10.0.0.1)`). */
  readonly destinationText: string;
  readonly count: number | undefined;
  /** Seconds between echo requests. */
  readonly interval: number | undefined;
  /** `-W`: seconds to wait for a reply. */
  readonly timeout: number | undefined;
  /** `-w`: seconds before ping exits whatever happened. */
  readonly deadline: number | undefined;
  /** `-I`: a device name or a source address. */
  readonly interface: string | undefined;
  readonly sourceAddress: Ipv4Address | undefined;
  readonly size: number | undefined;
  readonly ttl: number | undefined;
  readonly identifier: number | undefined;
  readonly flood: boolean;
  readonly quiet: boolean;
  readonly broadcast: boolean;
  readonly numeric: boolean;
  /** Runs until stopped (no `-c`, `-w`); the runner bounds it (DESIGN.md §1 "Long-running commands"). */
  readonly longRunning: boolean;
}

/** netcat-openbsd: `nc [-u] [-l] [-N] [-n] [-v] [-z] [-w S] [-q S] [-p PORT] [-s ADDR] [HOST] [PORT]`. */
export interface Netcat {
  readonly kind: 'nc';
  readonly udp: boolean;
  readonly listen: boolean;
  /** `-N`: shut down the write side on end of input. */
  readonly shutdownOnEof: boolean;
  readonly numeric: boolean;
  readonly verbose: boolean;
  readonly zeroIo: boolean;
  readonly timeout: number | undefined;
  /** `-q`: seconds to wait after end of input. */
  readonly quitAfterEof: number | undefined;
  /** `-p`: the local port (the listening port with `-l`). */
  readonly sourcePort: number | undefined;
  readonly sourceAddress: Ipv4Address | undefined;
  /** The peer to connect to, or the local address to listen on. */
  readonly host: Ipv4Address | undefined;
  /** The peer's port, or the listening port (`nc -l 5000`). */
  readonly port: number | undefined;
}

/** twinnet's own small HTTP server: `httpd PORT`. */
export interface Httpd {
  readonly kind: 'httpd';
  readonly port: number;
}

/** twinnet's own small HTTP client: `curl [-s] [-m S] http://ADDR[:PORT][/PATH]`. */
export interface Curl {
  readonly kind: 'curl';
  readonly address: Ipv4Address;
  readonly port: number;
  readonly path: string;
  readonly silent: boolean;
  readonly maxTime: number | undefined;
}

/** twinnet's crafted IPv4 probe (core/scenario/send.ts documents the syntax). */
export interface Send {
  readonly kind: 'send';
  readonly interface: string | undefined;
  readonly protocol: 'udp' | 'tcp' | 'icmp';
  readonly source: Ipv4Address | undefined;
  readonly destination: Ipv4Address;
  readonly sourcePort: number | undefined;
  readonly destinationPort: number | undefined;
  /** TCP flags as the bits of the header's flag byte (FIN 0x01 … CWR 0x80). */
  readonly tcpFlags: number | undefined;
  readonly icmpType: number | undefined;
  readonly icmpCode: number | undefined;
  readonly ttl: number | undefined;
  readonly tos: number | undefined;
  readonly identification: number | undefined;
  readonly dontFragment: boolean;
  readonly ipOptions: readonly ('rr' | 'ra')[];
  readonly payload: Uint8Array;
  readonly count: number;
}

/** `sleep S` (fractions allowed), advancing the clock. */
export interface Sleep {
  readonly kind: 'sleep';
  readonly seconds: number;
}

/** `echo [-n] WORDS…`. */
export interface Echo {
  readonly kind: 'echo';
  /** The words joined by spaces (`text` is the command's source). */
  readonly message: string;
  readonly newline: boolean;
}

// ── faults ──────────────────────────────────────────────────────────────────────────────────────────────────

/** `tc qdisc add dev DEV root netem [loss P%] [delay Dms] [duplicate P%] [reorder P%]` (simulator only). */
export interface NetemAdd {
  readonly kind: 'tc.netem.add';
  readonly device: string;
  /** Percentages 0–100. */
  readonly loss: number | undefined;
  /** Nanoseconds. */
  readonly delay: number | undefined;
  readonly duplicate: number | undefined;
  readonly reorder: number | undefined;
}

/** `tc qdisc del dev DEV root`. */
export interface NetemDel {
  readonly kind: 'tc.netem.del';
  readonly device: string;
}

// ── capture ─────────────────────────────────────────────────────────────────────────────────────────────────

/** `tcpdump -i DEV [-w FILE] [-c N] [-e] [-n] [-q] [-t] [-v…] [-l] [-U] [FILTER]`. */
export interface Tcpdump {
  readonly kind: 'tcpdump';
  readonly interface: string;
  readonly writeFile: string | undefined;
  readonly count: number | undefined;
  readonly linkLevel: boolean;
  /** `-n` given this many times. */
  readonly numeric: number;
  readonly quick: boolean;
  /** `-t` given this many times (0 = print timestamps). */
  readonly timestamps: number;
  readonly verbose: number;
  /** The filter as tcpdump joins its words, e.g. `(arp or icmp)`, already checked to compile; undefined when none. */
  readonly filterText: string | undefined;
  /** `-p`: do not put the interface into promiscuous mode. */
  readonly noPromiscuous: boolean;
  /** No `-c`: it runs until stopped (DESIGN.md §1). */
  readonly longRunning: boolean;
}

// ── shell ───────────────────────────────────────────────────────────────────────────────────────────────────

/** `sh -c '…'` / `bash -c '…'`: several commands (inside a namespace when under `ip netns exec`). */
export interface ShellBody {
  readonly kind: 'sh';
  readonly shell: 'sh' | 'bash';
  readonly body: readonly Statement[];
}

/** `set -e` / `set +e`. */
export interface SetErrexit {
  readonly kind: 'set';
  readonly errexit: boolean;
}

/** `exit [N]`. */
export interface Exit {
  readonly kind: 'exit';
  readonly status: number;
}

/** A document's interactive `ip netns exec NS sh`: the following commands of its block run in NS (no-op for engines). */
export interface ShellEnter {
  readonly kind: 'shell.enter';
  readonly shell: 'sh' | 'bash';
  readonly into: string;
}

/** The `exit` that leaves a document's interactive shell (no-op for engines). */
export interface ShellLeave {
  readonly kind: 'shell.leave';
}

/** Every operation, by `kind`. */
export type CommandBody =
  | NetnsAdd
  | NetnsDel
  | NetnsList
  | NetnsIdentify
  | LinkAdd
  | LinkSet
  | LinkDel
  | LinkShow
  | AddrChange
  | AddrShow
  | RouteChange
  | RouteShow
  | RouteGet
  | NetToolsRoute
  | NeighShowFlush
  | NtableShow
  | NetToolsArp
  | BridgeLinkShow
  | BridgeFdbShow
  | Iptables
  | IptablesSave
  | ConntrackList
  | Sysctl
  | Ping
  | Netcat
  | Httpd
  | Curl
  | Send
  | Sleep
  | Echo
  | NetemAdd
  | NetemDel
  | Tcpdump
  | ShellBody
  | SetErrexit
  | Exit
  | ShellEnter
  | ShellLeave;

/** A typed command: the operation and its common fields. */
export type Command = CommandBody & CommandBase;

/** `a | b`: commands whose output feeds the next one's input. */
export interface Pipeline {
  readonly commands: readonly Command[];
}

/** `p1 && p2 || p3 [&]`: pipelines joined by `&&`/`||` (operators[i] joins pipelines[i] and [i+1]). */
export interface Statement {
  readonly pipelines: readonly Pipeline[];
  readonly operators: readonly ('&&' | '||')[];
  readonly background: boolean;
  readonly position: SourcePosition;
}
