import struct, subprocess, os
def frames(path):
    data = open(path, 'rb').read(); off = 24; out = []
    while off < len(data):
        _, _, incl, orig = struct.unpack('<IIII', data[off:off+16]); out.append(data[off+16:off+16+incl]); off += 16 + incl
    return out
def texts(path):
    t = subprocess.run(['tcpdump', '-vv', '-e', '-n', '-t', '-r', path], capture_output=True, text=True, env={**os.environ, 'TZ': 'UTC'}).stdout
    blocks = []
    for line in t.splitlines():
        if line[:1] in (' ', '\t'): blocks[-1].append(line)
        else: blocks.append([line])
    return blocks
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'captures.ts')
os.chdir(os.path.dirname(os.path.abspath(__file__)))
SEL = [
 ('run1-a0.pcap', 0, 'arpRequest', None),
 ('run1-a0.pcap', 1, 'arpReply', None),
 ('run2-a0.pcap', 25, 'arpUnicastProbe', None),
 ('run1-a0.pcap', 2, 'echoRequest', None),
 ('run1-a0.pcap', 3, 'echoReply', None),
 ('run1-a0.pcap', 4, 'echoRequestTtl1', None),
 ('run1-a0.pcap', 5, 'timeExceeded', None),
 ('run1-a0.pcap', 6, 'udpPartial', None),
 ('run1-a0.pcap', 7, 'portUnreachablePartial', None),
 ('run1-b0.pcap', 2, 'udpPartialForwarded', None),
 ('run2-a0.pcap', 18, 'udpFull', None),
 ('run2-a0.pcap', 19, 'portUnreachable', None),
 ('run1-a0.pcap', 8, 'tcpSynPartial', None),
 ('run1-a0.pcap', 9, 'tcpSynAckPartial', None),
 ('run1-a0.pcap', 11, 'tcpDataPartial', None),
 ('run2-a0.pcap', 20, 'tcpSynFull', None),
 ('run2-a0.pcap', 21, 'tcpRstAck', None),
 ('run2-a0.pcap', 2, 'echoRecordRoute', None),
 ('run2-a0.pcap', 3, 'echoReplyRecordRoute', None),
 ('run2-a0.pcap', 4, 'echoTimestampOption', None),
 ('run2-a0.pcap', 5, 'echoReplyTimestampOption', None),
 ('run2-a0.pcap', 7, 'fragmentationNeeded', None),
 ('run2-a0.pcap', 8, 'firstFragmentCut', 64),
 ('run2-a0.pcap', 9, 'lastFragment', None),
 ('run2-a0.pcap', 13, 'redirect', None),
 ('run2-a0.pcap', 24, 'hostUnreachable', None),
 ('run2-p0.pcap', 0, 'igmpV3Query', None),
 ('run2-p0.pcap', 1, 'igmpV3ReportToEx', None),
 ('run2-p0.pcap', 3, 'igmpV3ReportIsEx', None),
 ('run3-p0.pcap', 2, 'igmpV3ReportAllow', None),
 ('run3-p0.pcap', 4, 'igmpV3ReportBlock', None),
 ('run3-p0.pcap', 6, 'igmpV3ReportToIn', None),
 ('run2-p1.pcap', 0, 'igmpV2Query', None),
 ('run2-p1.pcap', 1, 'igmpV2Report', None),
 ('run3-p1.pcap', 2, 'igmpV2Leave', None),
]
out = ['''/*
 * Frames captured on Linux 6.18 by ./captures/run{1,2,3}.sh (throwaway namespaces, veth pairs, bridges,
 * `tcpdump -U -n -w`), as hex. Above each: the capture file, the frame's index in it, and what
 * `TZ=UTC tcpdump -vv -e -n -t -r FILE` (4.99.3) printed for it: the oracle the deconstruct tests assert against.
 * Generated from the pcaps in ./captures; MACs, IP IDs, ports, ICMP ids, sequence numbers and timestamps are whatever
 * that run drew.
 */

/** Hex (whitespace ignored) to bytes. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/\\s+/g, '');
  const bytes = new Uint8Array(digits.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
''']
cache = {}
for path, idx, name, cut in SEL:
    if path not in cache: cache[path] = (frames(path), texts(path))
    fr, tx = cache[path]
    f = fr[idx]
    note = ''
    if cut: f = f[:cut]; note = f' (first {cut} of {len(fr[idx])} bytes, as `tcpdump -s {cut}` would keep)'
    lines = tx[idx]
    h = f.hex()
    chunks = [h[i:i+96] for i in range(0, len(h), 96)]
    body = '\n'.join(f"  '{c}' +" for c in chunks)[:-2]
    comment = '\n'.join(' *   ' + l.replace('\t', '    ').replace('*/', '* /') for l in lines)
    out.append(f'''/**
 * {path} #{idx}{note}:
{comment}
 */
export const {name} = hex(
{body},
);
''')
open(OUT, 'w').write('\n'.join(out))
