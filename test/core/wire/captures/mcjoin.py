# Join and leave IPv4 groups on an interface address, with and without sources, to make the kernel send IGMP.
import socket, struct, sys, time
iface = socket.inet_aton(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
g = socket.inet_aton('239.1.2.3')
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, g + iface)
time.sleep(1.5)
if len(sys.argv) > 2:
    t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    g2 = socket.inet_aton('232.1.1.1')
    for src in ('198.51.100.7', '198.51.100.9'):
        t.setsockopt(socket.IPPROTO_IP, 39, g2 + iface + socket.inet_aton(src))  # IP_ADD_SOURCE_MEMBERSHIP
    time.sleep(1.5)
    t.close()
    time.sleep(1.5)
s.setsockopt(socket.IPPROTO_IP, socket.IP_DROP_MEMBERSHIP, g + iface)
time.sleep(1.5)
