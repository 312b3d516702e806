#!/bin/bash
cd "$(dirname "$0")"
set -u
G=tw-wire-g H=tw-wire-h
cleanup() { for n in $G $H; do ip netns del $n 2>/dev/null; done; }
trap cleanup EXIT
cleanup
for n in $G $H; do
  ip netns add $n
  ip netns exec $n sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n $n link set lo up
done
ip -n $G link add br0 type bridge
ip -n $G link add br1 type bridge
ip -n $G link add p0 type veth peer name q0 netns $H
ip -n $G link add p1 type veth peer name q1 netns $H
ip -n $G link set p0 master br0
ip -n $G link set p1 master br1
for d in p0 p1; do ip -n $G link set $d up; done
for d in q0 q1; do ip -n $H link set $d up; done
ip -n $G addr add 203.0.113.1/24 dev br0
ip -n $G addr add 203.0.113.65/26 dev br1
ip netns exec $G sysctl -qw net.ipv4.conf.br1.force_igmp_version=2
ip -n $G link set br0 up
ip -n $G link set br1 up
sleep 3
ip netns exec $G tcpdump -U -n -i p0 -w run3-p0.pcap 2>/dev/null & P4=$!
ip netns exec $G tcpdump -U -n -i p1 -w run3-p1.pcap 2>/dev/null & P5=$!
sleep 1
ip netns exec $G python3 mcjoin.py 203.0.113.1 sources
ip netns exec $G python3 mcjoin.py 203.0.113.65
sleep 0.5
kill $P4 $P5
wait $P4 $P5
