#!/bin/bash
cd "$(dirname "$0")"
# Throwaway topology: a --(a0/r0)-- r --(r1/b0)-- b ; g: bridge br0 with port p0 <-> h:q0
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
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
for x in "$A a0" "$R r0" "$R r1" "$B b0"; do set -- $x; ip -n $1 link set $2 up; done
ip -n $A route add default via 192.0.2.254
ip -n $B route add default via 198.51.100.254
ip netns exec $A tcpdump -U -n -i a0 -w run1-a0.pcap 2>/dev/null & P1=$!
ip netns exec $B tcpdump -U -n -i b0 -w run1-b0.pcap 2>/dev/null & P2=$!
sleep 1
ip netns exec $A ping -c 1 192.0.2.254
ip netns exec $A ping -c 1 -t 1 198.51.100.1
echo hello | ip netns exec $A nc -u -w1 198.51.100.1 9
sleep 0.5
ip netns exec $B nc -l -p 8080 > /dev/null & P3=$!
sleep 0.5
echo "hello tcp" | ip netns exec $A nc -N 198.51.100.1 8080
sleep 0.5
wait $P3
# bridge with an address: IGMPv3 reports on its port
ip -n $G link add br0 type bridge
ip -n $G link add p0 type veth peer name q0 netns $H
ip -n $G link set p0 master br0
ip -n $G link set p0 up
ip -n $H link set q0 up
ip -n $G addr add 203.0.113.1/24 dev br0
ip netns exec $G tcpdump -U -n -i p0 -w run1-p0.pcap 2>/dev/null & P4=$!
sleep 1
ip -n $G link set br0 up
sleep 4
kill $P1 $P2 $P4
wait $P1 $P2 $P4
