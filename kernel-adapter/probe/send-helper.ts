/**
 * The send-probe helper (DESIGN.md §4 "Traffic": `send` probes go out through raw-socket), run inside a sandbox
 * namespace:  send-helper.ts DESTINATION DEVICE|- PACKET_HEX…
 * sends each IPv4 packet PACKET_HEX, header included, in order, on one raw socket with IP_HDRINCL (raw(7):
 * protocol IPPROTO_RAW), routed to DESTINATION (or bound to DEVICE with SO_BINDTODEVICE), and prints one JSON
 * line: `{"type":"sent","bytes":[N…]}` or `{"type":"error","message":…}`. With IP_HDRINCL the kernel still fills the
 * header checksum and total length, and the source address and IP ID when they are 0 (raw(7)).
 */
import { createRequire } from 'node:module';

interface RawSocket {
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  send(buffer: Buffer, offset: number, length: number, address: string, after: (error: Error | null, bytes: number) => void): void;
  close(): void;
}
interface RawModule {
  createSocket(options: { protocol: number }): RawSocket;
  SocketLevel: { IPPROTO_IP: number; SOL_SOCKET: number };
  SocketOption: { IP_HDRINCL: number; SO_BINDTODEVICE?: number };
}

/** IPPROTO_RAW (include/uapi/linux/in.h): a send-only raw socket that implies IP_HDRINCL. */
const IPPROTO_RAW = 255;

function reply(message: object, code: number): never {
  process.stdout.write(`${JSON.stringify(message)}\n`);
  process.exit(code);
}

function main(): void {
  const [destination, deviceArg, ...hexes] = process.argv.slice(2);
  const device = deviceArg === '-' ? undefined : deviceArg;
  if (destination === undefined || hexes.length === 0 || !hexes.every((h) => /^(?:[0-9a-f]{2})+$/i.test(h))) {
    reply({ type: 'error', message: 'usage: send-helper.ts DESTINATION DEVICE|- PACKET_HEX…' }, 2);
  }
  let raw: RawModule;
  try {
    raw = createRequire(import.meta.url)('raw-socket') as RawModule;
  } catch (e) {
    reply({ type: 'error', message: `the native module "raw-socket" cannot be loaded (${(e as Error).message.split('\n')[0]}): run npm install` }, 1);
  }
  const packets = hexes.map((h) => Buffer.from(h, 'hex'));
  let socket: RawSocket;
  try {
    socket = raw.createSocket({ protocol: IPPROTO_RAW });
    socket.setOption(raw.SocketLevel.IPPROTO_IP, raw.SocketOption.IP_HDRINCL, 1);
    if (device !== undefined) {
      const option = raw.SocketOption.SO_BINDTODEVICE;
      if (option === undefined) throw new Error('SO_BINDTODEVICE is not available');
      const name = Buffer.from(`${device}\0`);
      socket.setOption(raw.SocketLevel.SOL_SOCKET, option, name, name.length);
    }
  } catch (e) {
    reply({ type: 'error', message: `cannot open a raw socket: ${(e as Error).message}` }, 1);
  }
  const sent: number[] = [];
  const next = (): void => {
    const packet = packets[sent.length];
    if (packet === undefined) {
      socket.close();
      reply({ type: 'sent', bytes: sent }, 0);
    }
    socket.send(packet, 0, packet.length, destination, (error, bytes) => {
      if (error) reply({ type: 'error', message: `send to ${destination}: ${error.message}` }, 1);
      sent.push(bytes);
      next();
    });
  };
  next();
}

main();
