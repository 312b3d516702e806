/*
 * Frames captured on Linux 6.18 by ./captures/run{1,2,3}.sh (throwaway namespaces, veth pairs, bridges,
 * `tcpdump -U -n -w`), as hex. Above each: the capture file, the frame's index in it, and what
 * `TZ=UTC tcpdump -vv -e -n -t -r FILE` (4.99.3) printed for it: the oracle the deconstruct tests assert against.
 * Generated from the pcaps in ./captures; MACs, IP IDs, ports, ICMP ids, sequence numbers and timestamps are whatever
 * that run drew.
 */

/** Hex (whitespace ignored) to bytes. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/\s+/g, '');
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/**
 * run1-a0.pcap #0:
 *   22:23:04:70:28:b0 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Ethernet (len 6), IPv4 (len 4), Request who-has 192.0.2.254 tell 192.0.2.1, length 28
 */
export const arpRequest = hex(
  'ffffffffffff2223047028b0080600010800060400012223047028b0c0000201000000000000c00002fe',
);

/**
 * run1-a0.pcap #1:
 *   06:0b:cd:f6:e5:4f > 22:23:04:70:28:b0, ethertype ARP (0x0806), length 42: Ethernet (len 6), IPv4 (len 4), Reply 192.0.2.254 is-at 06:0b:cd:f6:e5:4f, length 28
 */
export const arpReply = hex(
  '2223047028b0060bcdf6e54f08060001080006040002060bcdf6e54fc00002fe2223047028b0c0000201',
);

/**
 * run2-a0.pcap #25:
 *   c2:fc:6a:4a:37:23 > 36:db:e2:05:25:bb, ethertype ARP (0x0806), length 42: Ethernet (len 6), IPv4 (len 4), Request who-has 192.0.2.1 tell 192.0.2.254, length 28
 */
export const arpUnicastProbe = hex(
  '36dbe20525bbc2fc6a4a372308060001080006040001c2fc6a4a3723c00002fe000000000000c0000201',
);

/**
 * run1-a0.pcap #2:
 *   22:23:04:70:28:b0 > 06:0b:cd:f6:e5:4f, ethertype IPv4 (0x0800), length 98: (tos 0x0, ttl 64, id 31344, offset 0, flags [DF], proto ICMP (1), length 84)
 *       192.0.2.1 > 192.0.2.254: ICMP echo request, id 4388, seq 1, length 64
 */
export const echoRequest = hex(
  '060bcdf6e54f2223047028b00800450000547a70400040013b39c0000201c00002fe0800c61211240001a0b20b6b0000' +
  '0000b0d7050000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435' +
  '3637',
);

/**
 * run1-a0.pcap #3:
 *   06:0b:cd:f6:e5:4f > 22:23:04:70:28:b0, ethertype IPv4 (0x0800), length 98: (tos 0x0, ttl 64, id 650, offset 0, flags [none], proto ICMP (1), length 84)
 *       192.0.2.254 > 192.0.2.1: ICMP echo reply, id 4388, seq 1, length 64
 */
export const echoReply = hex(
  '2223047028b0060bcdf6e54f080045000054028a00004001f31fc00002fec00002010000ce1211240001a0b20b6b0000' +
  '0000b0d7050000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435' +
  '3637',
);

/**
 * run1-a0.pcap #4:
 *   22:23:04:70:28:b0 > 06:0b:cd:f6:e5:4f, ethertype IPv4 (0x0800), length 98: (tos 0x0, ttl 1, id 24054, offset 0, flags [DF], proto ICMP (1), length 84)
 *       192.0.2.1 > 198.51.100.1: ICMP echo request, id 4389, seq 1, length 64
 */
export const echoRequestTtl1 = hex(
  '060bcdf6e54f2223047028b00800450000545df6400001012f7dc0000201c633640108005b0211250001a0b20b6b0000' +
  '00001be7050000000000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435' +
  '3637',
);

/**
 * run1-a0.pcap #5:
 *   06:0b:cd:f6:e5:4f > 22:23:04:70:28:b0, ethertype IPv4 (0x0800), length 126: (tos 0xc0, ttl 64, id 651, offset 0, flags [none], proto ICMP (1), length 112)
 *       192.0.2.254 > 192.0.2.1: ICMP time exceeded in-transit, length 92
 *       (tos 0x0, ttl 1, id 24054, offset 0, flags [DF], proto ICMP (1), length 84)
 *       192.0.2.1 > 198.51.100.1: ICMP echo request, id 4389, seq 1, length 64
 */
export const timeExceeded = hex(
  '2223047028b0060bcdf6e54f080045c00070028b00004001f242c00002fec00002010b00f4ff00000000450000545df6' +
  '400001012f7dc0000201c633640108005b0211250001a0b20b6b000000001be705000000000010111213141516171819' +
  '1a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
);

/**
 * run1-a0.pcap #6:
 *   22:23:04:70:28:b0 > 06:0b:cd:f6:e5:4f, ethertype IPv4 (0x0800), length 48: (tos 0x0, ttl 64, id 24997, offset 0, flags [DF], proto UDP (17), length 34)
 *       192.0.2.1.43362 > 198.51.100.1.9: [bad udp cksum 0xec55 -> 0x2654!] UDP, length 6
 */
export const udpPartial = hex(
  '060bcdf6e54f2223047028b008004500002261a540004011ecefc0000201c6336401a9620009000eec5568656c6c6f0a',
);

/**
 * run1-a0.pcap #7:
 *   06:0b:cd:f6:e5:4f > 22:23:04:70:28:b0, ethertype IPv4 (0x0800), length 76: (tos 0xc0, ttl 63, id 24300, offset 0, flags [none], proto ICMP (1), length 62)
 *       198.51.100.1 > 192.0.2.1: ICMP 198.51.100.1 udp port 9 unreachable, length 42
 *       (tos 0x0, ttl 63, id 24997, offset 0, flags [DF], proto UDP (17), length 34)
 *       192.0.2.1.43362 > 198.51.100.1.9: [bad udp cksum 0xec55 -> 0x2654!] UDP, length 6
 */
export const portUnreachablePartial = hex(
  '2223047028b0060bcdf6e54f080045c0003e5eec00003f012fddc6336401c000020103032351000000004500002261a5' +
  '40003f11edefc0000201c6336401a9620009000eec5568656c6c6f0a',
);

/**
 * run1-b0.pcap #2:
 *   32:73:8b:cc:9c:a0 > 1a:ed:92:7f:e2:84, ethertype IPv4 (0x0800), length 48: (tos 0x0, ttl 63, id 24997, offset 0, flags [DF], proto UDP (17), length 34)
 *       192.0.2.1.43362 > 198.51.100.1.9: [bad udp cksum 0xec55 -> 0x2654!] UDP, length 6
 */
export const udpPartialForwarded = hex(
  '1aed927fe28432738bcc9ca008004500002261a540003f11edefc0000201c6336401a9620009000eec5568656c6c6f0a',
);

/**
 * run2-a0.pcap #18:
 *   36:db:e2:05:25:bb > c2:fc:6a:4a:37:23, ethertype IPv4 (0x0800), length 48: (tos 0x0, ttl 64, id 10541, offset 0, flags [DF], proto UDP (17), length 34)
 *       192.0.2.1.44406 > 198.51.100.1.9: [udp sum ok] UDP, length 6
 */
export const udpFull = hex(
  'c2fc6a4a372336dbe20525bb080045000022292d400040112568c0000201c6336401ad760009000e224068656c6c6f0a',
);

/**
 * run2-a0.pcap #19:
 *   c2:fc:6a:4a:37:23 > 36:db:e2:05:25:bb, ethertype IPv4 (0x0800), length 76: (tos 0xc0, ttl 63, id 39549, offset 0, flags [none], proto ICMP (1), length 62)
 *       198.51.100.1 > 192.0.2.1: ICMP 198.51.100.1 udp port 9 unreachable, length 42
 *       (tos 0x0, ttl 63, id 10541, offset 0, flags [DF], proto UDP (17), length 34)
 *       192.0.2.1.44406 > 198.51.100.1.9: [udp sum ok] UDP, length 6
 */
export const portUnreachable = hex(
  '36dbe20525bbc2fc6a4a3723080045c0003e9a7d00003f01f44bc6336401c00002010303e9520000000045000022292d' +
  '40003f112668c0000201c6336401ad760009000e224068656c6c6f0a',
);

/**
 * run1-a0.pcap #8:
 *   22:23:04:70:28:b0 > 06:0b:cd:f6:e5:4f, ethertype IPv4 (0x0800), length 74: (tos 0x0, ttl 64, id 57714, offset 0, flags [DF], proto TCP (6), length 60)
 *       192.0.2.1.56052 > 198.51.100.1.8080: Flags [S], cksum 0xec64 (incorrect -> 0x9241), seq 2150984382, win 64240, options [mss 1460,sackOK,TS val 1743159605 ecr 0,nop,wscale 10], length 0
 */
export const tcpSynPartial = hex(
  '060bcdf6e54f2223047028b008004500003ce172400040066d13c0000201c6336401daf41f9080356abe00000000a002' +
  'faf0ec640000020405b40402080a67e68135000000000103030a',
);

/**
 * run1-a0.pcap #9:
 *   06:0b:cd:f6:e5:4f > 22:23:04:70:28:b0, ethertype IPv4 (0x0800), length 74: (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP (6), length 60)
 *       198.51.100.1.8080 > 192.0.2.1.56052: Flags [S.], cksum 0xec64 (incorrect -> 0x868c), seq 604350902, ack 2150984383, win 65160, options [mss 1460,sackOK,TS val 2212869738 ecr 1743159605,nop,wscale 10], length 0
 */
export const tcpSynAckPartial = hex(
  '2223047028b0060bcdf6e54f08004500003c000040003f064f86c6336401c00002011f90daf42405a9b680356abfa012' +
  'fe88ec640000020405b40402080a83e5b66a67e681350103030a',
);

/**
 * run1-a0.pcap #11:
 *   22:23:04:70:28:b0 > 06:0b:cd:f6:e5:4f, ethertype IPv4 (0x0800), length 76: (tos 0x0, ttl 64, id 57716, offset 0, flags [DF], proto TCP (6), length 62)
 *       192.0.2.1.56052 > 198.51.100.1.8080: Flags [P.], cksum 0xec66 (incorrect -> 0x8b33), seq 1:11, ack 1, win 63, options [nop,nop,TS val 1743159605 ecr 2212869738], length 10: HTTP
 */
export const tcpDataPartial = hex(
  '060bcdf6e54f2223047028b008004500003ee174400040066d0fc0000201c6336401daf41f9080356abf2405a9b78018' +
  '003fec6600000101080a67e6813583e5b66a68656c6c6f207463700a',
);

/**
 * run2-a0.pcap #20:
 *   36:db:e2:05:25:bb > c2:fc:6a:4a:37:23, ethertype IPv4 (0x0800), length 74: (tos 0x0, ttl 64, id 36043, offset 0, flags [DF], proto TCP (6), length 60)
 *       192.0.2.1.33304 > 198.51.100.1.8081: Flags [S], cksum 0x5e4f (correct), seq 2859382098, win 65280, options [mss 960,sackOK,TS val 598858574 ecr 0,nop,wscale 10], length 0
 */
export const tcpSynFull = hex(
  'c2fc6a4a372336dbe20525bb08004500003c8ccb40004006c1bac0000201c633640182181f91aa6eb55200000000a002' +
  'ff005e4f0000020403c00402080a23b1db4e000000000103030a',
);

/**
 * run2-a0.pcap #21:
 *   c2:fc:6a:4a:37:23 > 36:db:e2:05:25:bb, ethertype IPv4 (0x0800), length 54: (tos 0x0, ttl 63, id 0, offset 0, flags [DF], proto TCP (6), length 40)
 *       198.51.100.1.8081 > 192.0.2.1.33304: Flags [R.], cksum 0xc22e (correct), seq 0, ack 2859382099, win 0, length 0
 */
export const tcpRstAck = hex(
  '36dbe20525bbc2fc6a4a3723080045000028000040003f064f9ac6336401c00002011f91821800000000aa6eb5535014' +
  '0000c22e0000',
);

/**
 * run2-a0.pcap #2:
 *   36:db:e2:05:25:bb > c2:fc:6a:4a:37:23, ethertype IPv4 (0x0800), length 138: (tos 0x0, ttl 64, id 17211, offset 0, flags [DF], proto ICMP (1), length 124, options (NOP,RR 192.0.2.1, 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0))
 *       192.0.2.1 > 192.0.2.254: ICMP echo request, id 5250, seq 1, length 64
 */
export const echoRecordRoute = hex(
  'c2fc6a4a372336dbe20525bb08004f00007c433b400040017e35c0000201c00002fe01072708c0000201000000000000' +
  '00000000000000000000000000000000000000000000000000000800abb914820001bfb20b6b00000000a0d20d000000' +
  '0000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
);

/**
 * run2-a0.pcap #3:
 *   c2:fc:6a:4a:37:23 > 36:db:e2:05:25:bb, ethertype IPv4 (0x0800), length 138: (tos 0x0, ttl 64, id 24410, offset 0, flags [none], proto ICMP (1), length 124, options (RR 192.0.2.1, 192.0.2.254, 192.0.2.254, 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0,EOL))
 *       192.0.2.254 > 192.0.2.1: ICMP echo reply, id 5250, seq 1, length 64
 */
export const echoReplyRecordRoute = hex(
  '36dbe20525bbc2fc6a4a372308004f00007c5f5a0000400175b8c00002fec0000201072710c0000201c00002fec00002' +
  'fe000000000000000000000000000000000000000000000000000000b3b914820001bfb20b6b00000000a0d20d000000' +
  '0000101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
);

/**
 * run2-a0.pcap #4:
 *   36:db:e2:05:25:bb > c2:fc:6a:4a:37:23, ethertype IPv4 (0x0800), length 134: (tos 0x0, ttl 64, id 17212, offset 0, flags [DF], proto ICMP (1), length 120, options (timestamp TS{TS+ADDR 18367909@192.0.2.1 ^ 0@0.0.0.0 0@0.0.0.0 0@0.0.0.0}))
 *       192.0.2.1 > 192.0.2.254: ICMP echo request, id 5251, seq 1, length 64
 */
export const echoTimestampOption = hex(
  'c2fc6a4a372336dbe20525bb08004e000078433c400040010f65c0000201c00002fe44240d01c0000201011845a50000' +
  '000000000000000000000000000000000000000000000800faab14830001bfb20b6b0000000051df0d00000000001011' +
  '12131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
);

/**
 * run2-a0.pcap #5:
 *   c2:fc:6a:4a:37:23 > 36:db:e2:05:25:bb, ethertype IPv4 (0x0800), length 134: (tos 0x0, ttl 64, id 24411, offset 0, flags [none], proto ICMP (1), length 120, options (timestamp TS{TS+ADDR 18367909@192.0.2.1 18367909@192.0.2.254 18367909@192.0.2.254 ^ 0@0.0.0.0}))
 *       192.0.2.254 > 192.0.2.1: ICMP echo reply, id 5251, seq 1, length 64
 */
export const echoReplyTimestampOption = hex(
  '36dbe20525bbc2fc6a4a372308004e0000785f5b000040010fcec00002fec000020144241d01c0000201011845a5c000' +
  '02fe011845a5c00002fe011845a50000000000000000000002ac14830001bfb20b6b0000000051df0d00000000001011' +
  '12131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
);

/**
 * run2-a0.pcap #7:
 *   c2:fc:6a:4a:37:23 > 36:db:e2:05:25:bb, ethertype IPv4 (0x0800), length 590: (tos 0xc0, ttl 64, id 24412, offset 0, flags [none], proto ICMP (1), length 576)
 *       192.0.2.254 > 192.0.2.1: ICMP 198.51.100.1 unreachable - need to frag (mtu 1000), length 556
 *       (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto ICMP (1), length 1228)
 *       192.0.2.1 > 198.51.100.1: ICMP echo request, id 5252, seq 1, length 1208
 */
export const fragmentationNeeded = hex(
  '36dbe20525bbc2fc6a4a3723080045c002405f5c0000400193a1c00002fec0000201030473e1000003e8450004cc0000' +
  '4000400149fbc0000201c63364010800915514840001bfb20b6b00000000aaea0d000000000010111213141516171819' +
  '1a1b1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40414243444546474849' +
  '4a4b4c4d4e4f505152535455565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f70717273747576777879' +
  '7a7b7c7d7e7f808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9' +
  'aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9' +
  'dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff00010203040506070809' +
  '0a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30313233343536373839' +
  '3a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f60616263646566676869' +
  '6a6b6c6d6e6f707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f90919293949596979899' +
  '9a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9' +
  'cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9' +
  'fafbfcfdfeff0001020304050607',
);

/**
 * run2-a0.pcap #8 (first 64 of 1514 bytes, as `tcpdump -s 64` would keep):
 *   36:db:e2:05:25:bb > c2:fc:6a:4a:37:23, ethertype IPv4 (0x0800), length 1514: (tos 0x0, ttl 64, id 17214, offset 0, flags [+], proto ICMP (1), length 1500)
 *       192.0.2.1 > 192.0.2.254: ICMP echo request, id 5253, seq 1, length 1480
 */
export const firstFragmentCut = hex(
  'c2fc6a4a372336dbe20525bb0800450005dc433e200040018ce3c0000201c00002fe0800fa2314850001bfb20b6b0000' +
  '0000e3f50d0000000000101112131415',
);

/**
 * run2-a0.pcap #9:
 *   36:db:e2:05:25:bb > c2:fc:6a:4a:37:23, ethertype IPv4 (0x0800), length 162: (tos 0x0, ttl 64, id 17214, offset 1480, flags [none], proto ICMP (1), length 148)
 *       192.0.2.1 > 192.0.2.254: ip-proto-1
 */
export const lastFragment = hex(
  'c2fc6a4a372336dbe20525bb080045000094433e00b94001b172c0000201c00002fec0c1c2c3c4c5c6c7c8c9cacbcccd' +
  'cecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfd' +
  'feff000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d' +
  '2e2f303132333435363738393a3b3c3d3e3f',
);

/**
 * run2-a0.pcap #13:
 *   c2:fc:6a:4a:37:23 > 36:db:e2:05:25:bb, ethertype IPv4 (0x0800), length 126: (tos 0xc0, ttl 64, id 24414, offset 0, flags [none], proto ICMP (1), length 112)
 *       192.0.2.254 > 192.0.2.1: ICMP redirect 203.0.113.5 to host 192.0.2.2, length 92
 *       (tos 0x0, ttl 63, id 18891, offset 0, flags [DF], proto ICMP (1), length 84)
 *       192.0.2.1 > 203.0.113.5: ICMP echo request, id 5254, seq 1, length 64
 */
export const redirect = hex(
  '36dbe20525bbc2fc6a4a3723080045c000705f5e00004001956fc00002fec0000201050138fcc00002024500005449cb' +
  '40003f01f3d6c0000201cb0071050800ae8614860001bfb20b6b000000009d010e000000000010111213141516171819' +
  '1a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
);

/**
 * run2-a0.pcap #24:
 *   c2:fc:6a:4a:37:23 > 36:db:e2:05:25:bb, ethertype IPv4 (0x0800), length 126: (tos 0xc0, ttl 64, id 24450, offset 0, flags [none], proto ICMP (1), length 112)
 *       192.0.2.254 > 192.0.2.1: ICMP host 203.0.113.5 unreachable, length 92
 *       (tos 0x0, ttl 63, id 18891, offset 0, flags [DF], proto ICMP (1), length 84)
 *       192.0.2.1 > 203.0.113.5: ICMP echo request, id 5254, seq 1, length 64
 */
export const hostUnreachable = hex(
  '36dbe20525bbc2fc6a4a3723080045c000705f8200004001954bc00002fec00002010301fcfe000000004500005449cb' +
  '40003f01f3d6c0000201cb0071050800ae8614860001bfb20b6b000000009d010e000000000010111213141516171819' +
  '1a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637',
);

/**
 * run2-p0.pcap #0:
 *   72:83:48:b7:04:0a > 01:00:5e:00:00:01, ethertype IPv4 (0x0800), length 50: (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 36, options (RA))
 *       0.0.0.0 > 224.0.0.1: igmp query v3
 */
export const igmpV3Query = hex(
  '01005e000001728348b7040a080046c00024000040000102041300000000e0000001940400001164ec1e00000000027d' +
  '0000',
);

/**
 * run2-p0.pcap #1:
 *   72:83:48:b7:04:0a > 01:00:5e:00:00:16, ethertype IPv4 (0x0800), length 54: (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 40, options (RA))
 *       203.0.113.1 > 224.0.0.22: igmp v3 report, 1 group record(s) [gaddr 224.0.0.106 to_ex { }]
 */
export const igmpV3ReportToEx = hex(
  '01005e000016728348b7040a080046c00028000040000102c7f7cb007101e0000016940400002200f993000000010400' +
  '0000e000006a',
);

/**
 * run2-p0.pcap #3:
 *   72:83:48:b7:04:0a > 01:00:5e:00:00:16, ethertype IPv4 (0x0800), length 54: (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 40, options (RA))
 *       203.0.113.1 > 224.0.0.22: igmp v3 report, 1 group record(s) [gaddr 224.0.0.106 is_ex { }]
 */
export const igmpV3ReportIsEx = hex(
  '01005e000016728348b7040a080046c00028000040000102c7f7cb007101e0000016940400002200fb93000000010200' +
  '0000e000006a',
);

/**
 * run3-p0.pcap #2:
 *   b6:f3:06:a6:4e:f0 > 01:00:5e:00:00:16, ethertype IPv4 (0x0800), length 62: (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 48, options (RA))
 *       203.0.113.1 > 224.0.0.22: igmp v3 report, 1 group record(s) [gaddr 232.1.1.1 allow { 198.51.100.7 198.51.100.9 }]
 */
export const igmpV3ReportAllow = hex(
  '01005e000016b6f306a64ef0080046c00030000040000102c7efcb007101e00000169404000022009b81000000010500' +
  '0002e8010101c6336407c6336409',
);

/**
 * run3-p0.pcap #4:
 *   b6:f3:06:a6:4e:f0 > 01:00:5e:00:00:16, ethertype IPv4 (0x0800), length 62: (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 48, options (RA))
 *       203.0.113.1 > 224.0.0.22: igmp v3 report, 1 group record(s) [gaddr 232.1.1.1 block { 198.51.100.9 198.51.100.7 }]
 */
export const igmpV3ReportBlock = hex(
  '01005e000016b6f306a64ef0080046c00030000040000102c7efcb007101e00000169404000022009a81000000010600' +
  '0002e8010101c6336409c6336407',
);

/**
 * run3-p0.pcap #6:
 *   b6:f3:06:a6:4e:f0 > 01:00:5e:00:00:16, ethertype IPv4 (0x0800), length 54: (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 40, options (RA))
 *       203.0.113.1 > 224.0.0.22: igmp v3 report, 1 group record(s) [gaddr 239.1.2.3 to_in { }]
 */
export const igmpV3ReportToIn = hex(
  '01005e000016b6f306a64ef0080046c00028000040000102c7f7cb007101e0000016940400002200e9f9000000010300' +
  '0000ef010203',
);

/**
 * run2-p1.pcap #0:
 *   3a:3b:4e:73:c7:6e > 01:00:5e:00:00:01, ethertype IPv4 (0x0800), length 46: (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 32, options (RA))
 *       0.0.0.0 > 224.0.0.1: igmp query v2
 */
export const igmpV2Query = hex(
  '01005e0000013a3b4e73c76e080046c00020000040000102041700000000e0000001940400001164ee9b00000000',
);

/**
 * run2-p1.pcap #1:
 *   3a:3b:4e:73:c7:6e > 01:00:5e:00:00:6a, ethertype IPv4 (0x0800), length 46: (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 32, options (RA))
 *       203.0.113.65 > 224.0.0.106: igmp v2 report 224.0.0.106
 */
export const igmpV2Report = hex(
  '01005e00006a3a3b4e73c76e080046c00020000040000102c76bcb007141e000006a9404000016000995e000006a',
);

/**
 * run3-p1.pcap #2:
 *   ca:a1:7e:5c:93:9b > 01:00:5e:00:00:02, ethertype IPv4 (0x0800), length 46: (tos 0xc0, ttl 1, id 0, offset 0, flags [DF], proto IGMP (2), length 32, options (RA))
 *       203.0.113.65 > 224.0.0.2: igmp leave 239.1.2.3
 */
export const igmpV2Leave = hex(
  '01005e000002caa17e5c939b080046c00020000040000102c7d3cb007141e0000002940400001700f7faef010203',
);
