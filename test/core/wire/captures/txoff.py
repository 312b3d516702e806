# Disable tx checksum offload on a device (ethtool -K DEV tx off) via SIOCETHTOOL/ETHTOOL_STXCSUM.
import ctypes, fcntl, socket, struct, sys
ev = ctypes.create_string_buffer(struct.pack('II', 0x17, 0))
ifr = struct.pack('16sP', sys.argv[1].encode(), ctypes.addressof(ev))
fcntl.ioctl(socket.socket(socket.AF_INET, socket.SOCK_DGRAM), 0x8946, ifr)
