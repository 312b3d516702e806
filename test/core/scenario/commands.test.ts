import { describe, expect, it } from 'vitest';
import { parseIpv4 } from '../../../core/ipv4.ts';
import { parseMac } from '../../../core/mac.ts';
import { type Command, parseScenario } from '../../../core/scenario/index.ts';

const ip = (t: string): number => (parseIpv4(t) as { value: number }).value;
const mac = (t: string): number => (parseMac(t) as { value: number }).value;
const cidr = (t: string): { address: number; prefixLength: number } => ({ address: ip(t.split('/')[0]!), prefixLength: Number(t.split('/')[1] ?? 32) });

/** Parses one line as a script and returns its single command. */
function one(line: string): Command {
  const r = parseScenario(line, { file: 'ok.sh' });
  if (!r.ok) throw new Error(`${r.error.position.column}: ${r.error.message}`);
  if (r.value.form !== 'script') throw new Error('script expected');
  expect(r.value.statements).toHaveLength(1);
  const cmds = r.value.statements[0]!.pipelines.flatMap((p) => p.commands);
  expect(cmds).toHaveLength(1);
  return cmds[0]!;
}

const DEFAULT_OPTS = { brief: false, json: false, pretty: false, oneline: false, stats: 0, details: 0, family: undefined, numeric: false };

/** Good lines per family and the typed command they give (the fields named; others may be anything). */
const GOOD: [string, Record<string, unknown>][] = [
  // namespaces
  ['ip netns add netns1', { kind: 'netns.add', name: 'netns1' }],
  ['ip netns del netns1', { kind: 'netns.del', name: 'netns1' }],
  ['ip netns d netns1', { kind: 'netns.del', name: 'netns1' }],
  ['ip netns', { kind: 'netns.list' }],
  ['ip netns list', { kind: 'netns.list' }],
  ['ip net ls', { kind: 'netns.list' }],
  ['ip netns exec ns1 ip link set lo up', { kind: 'link.set', device: 'lo', up: true, namespace: 'ns1', argv: ['ip', 'link', 'set', 'lo', 'up'] }],
  ['ip -n ns1 link set lo up', { kind: 'link.set', device: 'lo', up: true, namespace: 'ns1', netnsArgs: [2] }],
  ['ip netns exec a ip netns exec b ip a', { kind: 'addr.show', namespace: 'b' }],
  // links
  ['ip link add veth1 type veth peer name ceth1', { kind: 'link.add', name: 'veth1', linkType: 'veth', peer: { name: 'ceth1', address: undefined, mtu: undefined, netns: undefined } }],
  ['ip link add veth1 type veth peer ceth1', { kind: 'link.add', name: 'veth1', peer: { name: 'ceth1' } }],
  ['ip link add name veth1 type veth peer name ceth1 netns ns2', { kind: 'link.add', name: 'veth1', peer: { name: 'ceth1', netns: 'ns2' }, netnsArgs: [11] }],
  ['ip link add dev v0 address 02:00:00:00:00:01 mtu 1400 type veth peer name v1 address 02:00:00:00:00:02', { kind: 'link.add', name: 'v0', address: mac('02:00:00:00:00:01'), mtu: 1400, peer: { name: 'v1', address: mac('02:00:00:00:00:02') } }],
  ['ip link add br0 type bridge', { kind: 'link.add', name: 'br0', linkType: 'bridge', bridge: {} }],
  ['ip link add br0 type bridge ageing_time 1000', { kind: 'link.add', linkType: 'bridge', bridge: { ageingTime: 1000 } }],
  ['ip link add br0 up type bridge', { kind: 'link.add', up: true }],
  ['ip link add d0 type dummy', { kind: 'link.add', name: 'd0', linkType: 'dummy' }],
  ['ip link add v0 netns ns1 type veth peer name v1', { kind: 'link.add', netns: 'ns1', netnsArgs: [5] }],
  ['ip link set veth1 up', { kind: 'link.set', device: 'veth1', up: true, master: undefined }],
  ['ip link set dev veth1 down', { kind: 'link.set', device: 'veth1', up: false }],
  ['ip link set veth1 master br0', { kind: 'link.set', device: 'veth1', master: 'br0' }],
  ['ip link set veth1 nomaster', { kind: 'link.set', device: 'veth1', master: null }],
  ['ip link set veth1 n', { kind: 'link.set', device: 'veth1', master: null }],
  ['ip l s veth1 ma br0 up', { kind: 'link.set', device: 'veth1', master: 'br0', up: true }],
  ['ip link set ceth1 netns netns1', { kind: 'link.set', device: 'ceth1', netns: 'netns1', netnsArgs: [5] }],
  ['ip link set veth1 address 02:aa:bb:cc:dd:ee', { kind: 'link.set', address: mac('02:aa:bb:cc:dd:ee') }],
  ['ip link set veth1 mtu 9000', { kind: 'link.set', mtu: 9000 }],
  ['ip link set veth1 name v1', { kind: 'link.set', device: 'veth1', name: 'v1' }],
  ['ip link set br0 type bridge ageing_time 500', { kind: 'link.set', device: 'br0', bridge: { ageingTime: 500 } }],
  ['ip link set br0 up type bridge ag 0x10', { kind: 'link.set', up: true, bridge: { ageingTime: 16 } }],
  ['ip link del veth1', { kind: 'link.del', device: 'veth1' }],
  ['ip link delete dev veth1', { kind: 'link.del', device: 'veth1' }],
  ['ip link d veth1', { kind: 'link.del', device: 'veth1' }],
  ['ip link', { kind: 'link.show', device: undefined, options: DEFAULT_OPTS }],
  ['ip l', { kind: 'link.show' }],
  ['ip li', { kind: 'link.show' }],
  ['ip link sh', { kind: 'link.show' }],
  ['ip link list', { kind: 'link.show' }],
  ['ip link show dev veth1', { kind: 'link.show', device: 'veth1' }],
  ['ip link show veth1 up', { kind: 'link.show', device: 'veth1', up: true }],
  ['ip link show master br0', { kind: 'link.show', master: 'br0' }],
  ['ip link show type bridge', { kind: 'link.show', linkType: 'bridge' }],
  ['ip -br link', { kind: 'link.show', options: { ...DEFAULT_OPTS, brief: true } }],
  ['ip -j -p link show lo', { kind: 'link.show', device: 'lo', options: { ...DEFAULT_OPTS, json: true, pretty: true } }],
  ['ip -o -d -s -s link', { kind: 'link.show', options: { ...DEFAULT_OPTS, oneline: true, details: 1, stats: 2 } }],
  ['ip --brief -json link', { kind: 'link.show', options: { ...DEFAULT_OPTS, brief: true, json: true } }],
  // addresses
  ['ip addr add 172.20.0.11/16 dev ceth1', { kind: 'addr.add', address: cidr('172.20.0.11/16'), device: 'ceth1', broadcast: undefined }],
  ['ip a a 10.0.0.1/24 dev v0', { kind: 'addr.add', address: cidr('10.0.0.1/24'), device: 'v0' }],
  ['ip address add 172.20.0.10/16 brd + dev br0', { kind: 'addr.add', broadcast: '+' }],
  ['ip addr add 10.0.0.1/24 broadcast 10.0.0.255 dev v0', { kind: 'addr.add', broadcast: ip('10.0.0.255') }],
  ['ip addr add dev v0 local 10.0.0.1/24 label v0:1 scope link', { kind: 'addr.add', device: 'v0', label: 'v0:1', scope: 'link' }],
  ['ip addr add 10.0.0.1 dev v0', { kind: 'addr.add', address: cidr('10.0.0.1/32') }],
  ['ip addr add 10.1/16 dev v0', { kind: 'addr.add', address: cidr('10.1.0.0/16') }],
  ['ip addr add 010.0.0.1/024 dev v0', { kind: 'addr.add', address: cidr('8.0.0.1/20') }],
  ['ip addr add 10.0.0.1/24 dev v0 dev v1', { kind: 'addr.add', device: 'v1' }],
  ['ip addr del 172.20.0.1/16  dev veth1', { kind: 'addr.del', address: cidr('172.20.0.1/16'), device: 'veth1' }],
  ['ip a', { kind: 'addr.show', device: undefined }],
  ['ip addr', { kind: 'addr.show' }],
  ['ip a s', { kind: 'addr.show' }],
  ['ip addr show dev veth1', { kind: 'addr.show', device: 'veth1' }],
  ['ip -4 addr show veth1', { kind: 'addr.show', device: 'veth1', options: { ...DEFAULT_OPTS, family: 'inet' } }],
  ['ip -br a', { kind: 'addr.show', options: { ...DEFAULT_OPTS, brief: true } }],
  // routes
  ['ip route add default via 172.20.0.10', { kind: 'route.add', destination: cidr('0.0.0.0/0'), via: ip('172.20.0.10'), device: undefined }],
  ['ip route add 10.2.0.0/16 via 10.1.0.1 dev v0 src 10.1.0.2 metric 100 table 100', { kind: 'route.add', destination: cidr('10.2.0.0/16'), via: ip('10.1.0.1'), device: 'v0', source: ip('10.1.0.2'), metric: 100, table: 100 }],
  ['ip r a 10.0.0.0/8 dev v0', { kind: 'route.add', destination: cidr('10.0.0.0/8'), device: 'v0' }],
  ['ip route add to unicast 10/8 dev v0 table main', { kind: 'route.add', destination: cidr('10.0.0.0/8'), table: 254 }],
  ['ip route del default', { kind: 'route.del', destination: cidr('0.0.0.0/0') }],
  ['ip route replace default via 10.0.0.1 pref 5', null as never],
  ['ip route replace default via 10.0.0.1', { kind: 'route.replace', via: ip('10.0.0.1') }],
  ['ip route append default via 10.0.0.2 metric 5', { kind: 'route.append', metric: 5 }],
  ['ip route change default dev v0', null as never],
  ['ip route', { kind: 'route.show', table: undefined }],
  ['ip r', { kind: 'route.show' }],
  ['ip ro', { kind: 'route.show' }],
  ['ip route show table all', { kind: 'route.show', table: 'all' }],
  ['ip route show table local dev lo', { kind: 'route.show', table: 255, device: 'lo' }],
  ['ip route list table 7', { kind: 'route.show', table: 7 }],
  ['ip route get 8.8.8.8', { kind: 'route.get', address: ip('8.8.8.8') }],
  ['ip r g to 10.0.0.1', { kind: 'route.get', address: ip('10.0.0.1') }],
  ['route -n', { kind: 'route.nettools', numeric: true }],
  ['route', { kind: 'route.nettools', numeric: false }],
  // neighbours
  ['ip neigh', { kind: 'neigh.show', device: undefined }],
  ['ip n', { kind: 'neigh.show' }],
  ['ip neighbour show dev veth1', { kind: 'neigh.show', device: 'veth1' }],
  ['ip neighbor', { kind: 'neigh.show' }],
  ['ip neigh flush dev veth1', { kind: 'neigh.flush', device: 'veth1' }],
  ['ip -j neigh', { kind: 'neigh.show', options: { ...DEFAULT_OPTS, json: true } }],
  ['ip ntable show', { kind: 'ntable.show', device: undefined }],
  ['ip ntable show dev veth1 name arp_cache', { kind: 'ntable.show', device: 'veth1', name: 'arp_cache' }],
  ['arp -a', { kind: 'arp', all: true, numeric: false }],
  ['arp -n', { kind: 'arp', all: false, numeric: true }],
  ['arp -an', { kind: 'arp', all: true, numeric: true }],
  // bridge
  ['bridge link', { kind: 'bridge.link.show', device: undefined }],
  // bridge/link.c (6.1) reads only `dev NAME`: a bare name filters nothing.
  ['bridge link show br0', { kind: 'bridge.link.show', device: undefined }],
  ['bridge link show dev br0', { kind: 'bridge.link.show', device: 'br0' }],
  ['bridge l show dev veth1', { kind: 'bridge.link.show', device: 'veth1' }],
  ['bridge fdb', { kind: 'bridge.fdb.show', bridge: undefined, dynamic: false }],
  ['bridge fdb show br br0 dynamic', { kind: 'bridge.fdb.show', bridge: 'br0', dynamic: true }],
  ['bridge -j fdb show brport veth1', { kind: 'bridge.fdb.show', device: 'veth1', options: { ...DEFAULT_OPTS, json: true } }],
  ['bridge -n ns1 fdb', { kind: 'bridge.fdb.show', namespace: 'ns1', netnsArgs: [2] }],
  // netfilter
  ['iptables -t nat -A POSTROUTING -s 172.20.0.0/16 -j MASQUERADE', { kind: 'iptables', table: 'nat', command: { op: 'append', chain: 'POSTROUTING', rule: { source: { value: cidr('172.20.0.0/16'), negated: false }, target: { kind: 'MASQUERADE', toPorts: undefined, random: false } } } }],
  ['iptables -A FORWARD -i veth1 ! -o veth2 -p tcp --dport 80:90 -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT', {
    kind: 'iptables', table: 'filter', command: { op: 'append', chain: 'FORWARD', rule: {
      inInterface: { value: 'veth1', negated: false }, outInterface: { value: 'veth2', negated: true }, protocol: { value: 'tcp', negated: false },
      destinationPort: { value: { first: 80, last: 90 }, negated: false }, states: { value: ['NEW', 'ESTABLISHED'], negated: false }, modules: ['conntrack'], target: { kind: 'ACCEPT' } } } }],
  ['iptables -I INPUT 2 -p udp --sport 53 -j DROP', { command: { op: 'insert', chain: 'INPUT', ruleNumber: 2, rule: { sourcePort: { value: { first: 53, last: 53 }, negated: false }, target: { kind: 'DROP' } } } }],
  ['iptables -I INPUT -j DROP', { command: { op: 'insert', ruleNumber: 1 } }],
  ['iptables -D INPUT 3', { command: { op: 'delete-number', chain: 'INPUT', ruleNumber: 3 } }],
  ['iptables -D INPUT -s 10.0.0.1 -j DROP', { command: { op: 'delete', rule: { source: { value: cidr('10.0.0.1/32'), negated: false } } } }],
  ['iptables -R INPUT 1 -j RETURN', { command: { op: 'replace', ruleNumber: 1, rule: { target: { kind: 'RETURN' } } } }],
  ['iptables -F', { command: { op: 'flush', chain: undefined } }],
  ['iptables -t nat -F POSTROUTING', { table: 'nat', command: { op: 'flush', chain: 'POSTROUTING' } }],
  ['iptables -X', { command: { op: 'delete-chain', chain: undefined } }],
  ['iptables -N MYCHAIN', { command: { op: 'new-chain', chain: 'MYCHAIN' } }],
  ['iptables -A INPUT -j MYCHAIN', { command: { op: 'append', rule: { target: { kind: 'jump', chain: 'MYCHAIN' } } } }],
  ['iptables -P FORWARD DROP', { command: { op: 'policy', chain: 'FORWARD', policy: 'DROP' } }],
  ['iptables -Z', { command: { op: 'zero', chain: undefined } }],
  ['iptables -S', { command: { op: 'list-rules', chain: undefined } }],
  ['iptables -nvL', { command: { op: 'list', chain: undefined, numeric: true, verbose: true } }],
  ['iptables -t nat -L -n --line-numbers', { table: 'nat', command: { op: 'list', numeric: true, lineNumbers: true } }],
  ['iptables -L FORWARD -n -v -x', { command: { op: 'list', chain: 'FORWARD', exact: true } }],
  ['iptables -A INPUT -j REJECT', { command: { rule: { target: { kind: 'REJECT', rejectWith: 'icmp-port-unreachable' } } } }],
  ['iptables -A INPUT -p tcp -j REJECT --reject-with tcp-reset', { command: { rule: { target: { kind: 'REJECT', rejectWith: 'tcp-reset' } } } }],
  ['iptables -A INPUT -j LOG --log-prefix "dropped: " --log-level 4', { command: { rule: { target: { kind: 'LOG', prefix: 'dropped: ', level: '4' } } } }],
  ['iptables -t nat -A POSTROUTING -o eth0 -j SNAT --to-source 192.0.2.1-192.0.2.5', { command: { rule: { target: { kind: 'SNAT', toSource: { firstAddress: ip('192.0.2.1'), lastAddress: ip('192.0.2.5'), ports: undefined }, random: false } } } }],
  ['iptables -t nat -A PREROUTING -p tcp --dport 80 -j DNAT --to-destination 10.0.0.2:8080 --random', { command: { rule: { target: { kind: 'DNAT', toDestination: { firstAddress: ip('10.0.0.2'), ports: { first: 8080, last: 8080 } }, random: true } } } }],
  ['iptables -t nat -A POSTROUTING -p udp -j MASQUERADE --to-ports 1000-2000', { command: { rule: { target: { kind: 'MASQUERADE', toPorts: { first: 1000, last: 2000 } } } } }],
  ['iptables -A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT', { command: { rule: { modules: ['state'], states: { value: ['RELATED', 'ESTABLISHED'], negated: false } } } }],
  ['iptables -A INPUT -m conntrack ! --ctstate INVALID -j ACCEPT', { command: { rule: { states: { value: ['INVALID'], negated: true } } } }],
  ['iptables -A INPUT -p icmp --icmp-type echo-request -j DROP', { command: { rule: { icmpType: { value: { type: 8, code: undefined }, negated: false } } } }],
  ['iptables -A INPUT -p tcp --syn -j DROP', { command: { rule: { syn: { value: true, negated: false } } } }],
  ['iptables -A INPUT -p tcp --dp http -j DROP', { command: { rule: { destinationPort: { value: { first: 80, last: 80 } } } } }],
  ['iptables -A INPUT -p tcp --dport=22 -j DROP', { command: { rule: { destinationPort: { value: { first: 22, last: 22 } } } } }],
  ['iptables -A INPUT ! -s 10.0.0.0/255.0.0.0 -j DROP', { command: { rule: { source: { value: cidr('10.0.0.0/8'), negated: true } } } }],
  ['iptables -A INPUT -p UDP -j DROP', { command: { rule: { protocol: { value: 'udp', negated: false } } } }],
  ['iptables -tnat -A OUTPUT -j ACCEPT', { table: 'nat' }],
  ['iptables-save', { kind: 'iptables-save', table: undefined, counters: false }],
  ['iptables-save -t nat -c', { kind: 'iptables-save', table: 'nat', counters: true }],
  ['conntrack -L', { kind: 'conntrack.list', protocol: undefined }],
  ['conntrack -L -p icmp', { kind: 'conntrack.list', protocol: 'icmp' }],
  // sysctl
  ['sysctl -w net.ipv4.ip_forward=1', { kind: 'sysctl', write: true, quiet: false, settings: [{ key: 'net.ipv4.ip_forward', value: 1 }] }],
  ['sysctl net.ipv4.ip_forward=1', { kind: 'sysctl', write: false, settings: [{ key: 'net.ipv4.ip_forward', value: 1 }] }],
  ['sysctl net.ipv4.ip_forward', { kind: 'sysctl', settings: [{ key: 'net.ipv4.ip_forward', value: undefined }] }],
  ['sysctl -qw net/ipv4/ip_forward=0', { kind: 'sysctl', write: true, quiet: true, settings: [{ key: 'net.ipv4.ip_forward', value: 0 }] }],
  ['sysctl -w -q net.ipv4.conf.all.rp_filter=2 net.ipv4.conf.veth1.forwarding=1', { kind: 'sysctl', settings: [{ key: 'net.ipv4.conf.all.rp_filter', value: 2 }, { key: 'net.ipv4.conf.veth1.forwarding', value: 1 }] }],
  ['sysctl -w net.ipv4.neigh.default.base_reachable_time_ms=5000', { kind: 'sysctl', settings: [{ key: 'net.ipv4.neigh.default.base_reachable_time_ms', value: 5000 }] }],
  ['sysctl -w net.ipv6.conf.all.disable_ipv6=1', { kind: 'sysctl', settings: [{ key: 'net.ipv6.conf.all.disable_ipv6', value: 1 }] }],
  ['sysctl -w " net.ipv4.ip_default_ttl = 32"', { kind: 'sysctl', settings: [{ key: 'net.ipv4.ip_default_ttl', value: 32 }] }],
  ['sysctl -n net.ipv4.ip_forward', { kind: 'sysctl', valuesOnly: true }],
  ['sysctl -e -w net.ipv4.nosuch=1 net.ipv4.ip_forward=1', { kind: 'sysctl', ignoreUnknown: true, settings: [{ key: 'net.ipv4.ip_forward', value: 1 }] }],
  // traffic
  ['ping -c 2 172.20.0.11', { kind: 'ping', destination: ip('172.20.0.11'), destinationText: '172.20.0.11', count: 2, longRunning: false }],
  ['ping 172.20.0.12 -I veth2', { kind: 'ping', interface: 'veth2', longRunning: true }],
  ['ping -I 10.0.0.1 -c1 10.0.0.2', { kind: 'ping', sourceAddress: ip('10.0.0.1'), interface: undefined, count: 1 }],
  ['ping -c 3 -i 0.2 -W 1 -w 5 -s 100 -t 3 -e 4660 -q -n 10.0.0.1', { kind: 'ping', count: 3, interval: 0.2, timeout: 1, deadline: 5, size: 100, ttl: 3, identifier: 4660, quiet: true, numeric: true }],
  ['ping -f -c 10 10.0.0.1', { kind: 'ping', flood: true }],
  ['ping -b -c 1 10.0.0.255', { kind: 'ping', broadcast: true }],
  ['ping -c 1 10.1', { kind: 'ping', destination: ip('10.0.0.1'), destinationText: '10.1' }],
  ['ping -w 3 10.0.0.1', { kind: 'ping', deadline: 3, longRunning: false }],
  ['nc -u 10.0.0.2 5000', { kind: 'nc', udp: true, listen: false, host: ip('10.0.0.2'), port: 5000 }],
  ['nc -l -p 5000', { kind: 'nc', listen: true, sourcePort: 5000, port: undefined }],
  ['nc -lu 5000', { kind: 'nc', listen: true, udp: true, port: 5000 }],
  ['nc -l 10.0.0.1 5000', { kind: 'nc', listen: true, host: ip('10.0.0.1'), port: 5000 }],
  ['nc -N -w 2 -q 1 -v -n 10.0.0.2 80', { kind: 'nc', shutdownOnEof: true, timeout: 2, quitAfterEof: 1, verbose: true, numeric: true }],
  ['nc -z 10.0.0.2 22', { kind: 'nc', zeroIo: true }],
  ['httpd 8080', { kind: 'httpd', port: 8080 }],
  ['curl http://10.0.0.2:8080/index.html', { kind: 'curl', address: ip('10.0.0.2'), port: 8080, path: '/index.html', silent: false }],
  ['curl -s -m 2 10.0.0.2', { kind: 'curl', port: 80, path: '/', silent: true, maxTime: 2 }],
  ['send udp src 10.0.0.1 dst 10.0.0.2 sport 1000 dport 53 payload hello', { kind: 'send', protocol: 'udp', source: ip('10.0.0.1'), destination: ip('10.0.0.2'), sourcePort: 1000, destinationPort: 53, payload: new TextEncoder().encode('hello'), count: 1 }],
  ['send -I v0 proto tcp dst 10.0.0.2 dport 80 flags SA ttl 1 tos 0x10 id 7 df option rr count 3', { kind: 'send', interface: 'v0', protocol: 'tcp', tcpFlags: 0x12, ttl: 1, tos: 16, identification: 7, dontFragment: true, ipOptions: ['rr'], count: 3 }],
  ['send tcp dst 10.0.0.2 dport 80', { kind: 'send', tcpFlags: 0x02 }],
  ['send icmp dst 10.0.0.2 type 13 payload hex:00ff', { kind: 'send', protocol: 'icmp', icmpType: 13, icmpCode: 0, payload: Uint8Array.of(0, 255) }],
  ['sleep 1.5', { kind: 'sleep', seconds: 1.5 }],
  ['sleep 1m 2', { kind: 'sleep', seconds: 62 }],
  ['echo hello world', { kind: 'echo', message: 'hello world', newline: true }],
  ['echo -n hi', { kind: 'echo', message: 'hi', newline: false }],
  // faults
  ['tc qdisc add dev veth1 root netem loss 10%', { kind: 'tc.netem.add', device: 'veth1', loss: 10, delay: undefined }],
  ['tc qdisc add dev veth1 root netem loss 1.5% delay 100ms duplicate 2% reorder 25%', { kind: 'tc.netem.add', loss: 1.5, delay: 100_000_000, duplicate: 2, reorder: 25 }],
  ['tc qdisc add dev veth1 root netem delay 1s', { kind: 'tc.netem.add', delay: 1_000_000_000 }],
  ['tc qdisc del dev veth1 root', { kind: 'tc.netem.del', device: 'veth1' }],
  // capture
  ['tcpdump -i veth1', { kind: 'tcpdump', interface: 'veth1', count: undefined, filterText: undefined, longRunning: true }],
  ['tcpdump -ni veth1 -c 5 -w /tmp/x.pcap', { kind: 'tcpdump', interface: 'veth1', numeric: 1, count: 5, writeFile: '/tmp/x.pcap', longRunning: false }],
  ['tcpdump -i br0 -e icmp and host 10.0.0.1', { kind: 'tcpdump', linkLevel: true, filterText: 'icmp and host 10.0.0.1' }],
  ['tcpdump -i v0 tcp port 80 -c 1', { kind: 'tcpdump', count: 1, filterText: 'tcp port 80' }],
];

describe('good lines give typed commands', () => {
  it.each(GOOD.filter(([, v]) => v !== null))('%s', (line, expected) => {
    expect(one(line)).toMatchObject(expected);
  });
  it('every command keeps its argv, words, text and position', () => {
    const c = one('  sudo ip netns exec ns1   ip route add default via 10.0.0.1 # comment');
    expect(c.argv).toEqual(['ip', 'route', 'add', 'default', 'via', '10.0.0.1']);
    expect(c.words.map((w) => w.position.column)).toEqual([28, 31, 37, 41, 49, 53]);
    expect(c.text).toBe('sudo ip netns exec ns1   ip route add default via 10.0.0.1');
    expect(c.position).toEqual({ file: 'ok.sh', line: 1, column: 3 });
    expect(c.namespace).toBe('ns1');
    expect(c.background).toBe(false);
  });
  it('refuses route options it does not model instead of dropping them', () => {
    for (const line of ['ip route replace default via 10.0.0.1 pref 5', 'ip route change default dev v0']) {
      const r = parseScenario(line, { file: 'u.sh' });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.kind).toBe('unsupported');
    }
  });
});

describe('capture filters', () => {
  // The filter is compiled by core/decode/filter.ts (checked against the real tcpdump in test/core/decode); the
  // parser keeps tcpdump's joined text and refuses what libpcap refuses.
  it.each([
    ['arp', 'arp'],
    ['host 10.0.0.1', 'host 10.0.0.1'],
    ["'! icmp && ( udp || tcp )'", '! icmp && ( udp || tcp )'],
    ['\\(arp or icmp\\) and not host 10.0.0.1', '(arp or icmp) and not host 10.0.0.1'],
    ['tcp portrange 1000-2000', 'tcp portrange 1000-2000'],
  ])('tcpdump -i v0 %s', (filter, text) => {
    const c = one(`tcpdump -i v0 ${filter}`);
    expect(c.kind === 'tcpdump' && c.filterText).toBe(text);
  });
  it('refuses a filter libpcap refuses, in tcpdump\'s words', () => {
    const r = parseScenario('tcpdump -i v0 tcp or 80\n', { file: 'x.sh' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe('tcpdump: syntax error in filter expression');
  });
});
