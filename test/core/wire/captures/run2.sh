#!/bin/bash
cd "$(dirname "$0")"
set -u
A=tw-wire-a R=tw-wire-r B=tw-wire-b G=tw-wire-g H=tw-wire-h
cleanup() { for n in $A $R $B $G $H; do ip netns del $n 2>/dev/null; done; }
trap cleanup EXIT
cleanup
for n in $A $R $B $G $H; do
  ip netns add $n
  ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n $n link set lo up
done
ip -n $A link add a0 type veth peer name r0 netns $R
ip -n $R link add r1 type veth peer name b0 netns $B
ip -n $A addr add 192.0.2.1/24 dev a0
ip -n $R addr add 192.0.2.254/24 dev r0
ip -n $R addr add 198.51.100.254/24 dev r1
ip -n $B addr add 198.51.100.1/24 dev b0
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=1 net.ipv4.conf.r0.send_redirects=1
ip -n $R link set r1 mtu 1000
ip -n $B link set b0 mtu 1000
for x in "$A a0" "$R r0" "$R r1" "$B b0"; do set -- $x; ip -n $1 link set $2 up; done
ip -n $A route add default via 192.0.2.254
ip -n $B route add default via 198.51.100.254
ip -n $R route add 203.0.113.0/24 via 192.0.2.2
ip netns exec $A tcpdump -U -n -i a0 -w run2-a0.pcap 2>/dev/null & P1=$!
sleep 1
ip netns exec $A ping -c 1 -R 192.0.2.254
ip netns exec $A ping -c 1 -T tsandaddr 192.0.2.254
ip netns exec $A ping -c 1 -s 1200 -M do 198.51.100.1
ip netns exec $A ping -c 1 -s 1600 192.0.2.254
ip netns exec $A ping -c 1 -W 1 203.0.113.5
# full checksums: tx offload off on the sender
ip netns exec $A python3 txoff.py a0
echo hello | ip netns exec $A nc -u -w1 198.51.100.1 9
ip netns exec $A nc -w1 198.51.100.1 8081 </dev/null
sleep 0.5
# IGMPv2 report and leave, IGMP queries from the bridge querier
ip -n $G link add br0 type bridge mcast_querier 1 mcast_igmp_version 3
ip -n $G link add br1 type bridge mcast_querier 1
ip -n $G link add p0 type veth peer name q0 netns $H
ip -n $G link add p1 type veth peer name q1 netns $H
ip -n $G link set p0 master br0
ip -n $G link set p1 master br1
for d in p0 p1; do ip -n $G link set $d up; done
for d in q0 q1; do ip -n $H link set $d up; done
ip -n $G addr add 203.0.113.1/24 dev br0
ip -n $G addr add 203.0.113.65/26 dev br1
ip netns exec $G sysctl -qw net.ipv4.conf.br1.force_igmp_version=2
ip netns exec $G tcpdump -U -n -i p0 -w run2-p0.pcap 2>/dev/null & P4=$!
ip netns exec $G tcpdump -U -n -i p1 -w run2-p1.pcap 2>/dev/null & P5=$!
sleep 1
ip -n $G link set br0 up
ip -n $G link set br1 up
sleep 3
ip -n $G link set br1 down
sleep 1
kill $P1 $P4 $P5
wait $P1 $P4 $P5
