/**
 * The capture helper (DESIGN.md §4 "Capture"), run inside a sandbox namespace:
 *   capture-helper.ts DEV FILE ORIGIN_NS [FILTER]
 * opens libpcap on DEV through `cap` (promiscuous, immediate mode, snaplen 65,535), stamps each frame on arrival
 * from the monotonic clock (`process.hrtime.bigint()`, CLOCK_MONOTONIC, shared by every process of the machine,
 * so captures of one run share a time base; cap gives no libpcap timestamp) as nanoseconds since ORIGIN_NS, and
 * writes a nanosecond pcap with core/pcap/writer. It prints `ready` once libpcap is activated with its filter
 * set, so traffic never starts before the capture; on `stop` (or stdin closing) it drains what the kernel has
 * queued (until 50 ms pass with no frame, at most 1 s), closes the file and prints `stopped`. Each frame reaches
 * the file as it arrives, so a capture that dies (its device went down or away) leaves a readable file.
 */
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { createPcapFile, type PcapWriter } from '../../core/pcap/writer.ts';
import { STOP_LINE, type CaptureMessage } from './protocol.ts';

/** cap's link type names → pcap LINKTYPE_ values [draft-ietf-opsawg-pcaplinktype]. */
const LINK_TYPES: Record<string, number> = { ETHERNET: 1, NULL: 0, RAW: 101, LINKTYPE_LINUX_SLL: 113, IEEE802_11_RADIO: 127 };

const QUIET_MS = 50;
const DRAIN_MAX_MS = 1000;
const SNAPLEN = 65_535;

interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): void;
}

function send(message: CaptureMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function fail(message: string): never {
  send({ type: 'error', message });
  process.exit(1);
}

function main(): void {
  const [device, file, originText, filter] = process.argv.slice(2);
  if (device === undefined || file === undefined || originText === undefined) fail('usage: capture-helper.ts DEV FILE ORIGIN_NS [FILTER]');
  const origin = BigInt(originText);

  let Cap: new () => CapInstance;
  try {
    Cap = (createRequire(import.meta.url)('cap') as { Cap: new () => CapInstance }).Cap;
  } catch (e) {
    fail(`the native module "cap" cannot be loaded (${(e as Error).message.split('\n')[0]}): apt-get install libpcap-dev, then npm install`);
  }

  const buffer = Buffer.alloc(SNAPLEN);
  const cap = new Cap();
  let linkType: string;
  try {
    linkType = cap.open(device, filter ?? '', 16 << 20, buffer);
  } catch (e) {
    fail(`cannot capture on ${device}: ${(e as Error).message}`);
  }
  const pcapLinkType = LINK_TYPES[linkType];
  if (pcapLinkType === undefined) fail(`cannot capture on ${device}: ${linkType}`);

  let writer: PcapWriter;
  try {
    writer = createPcapFile(file, { resolution: 'nano', snaplen: SNAPLEN, linkType: pcapLinkType });
  } catch (e) {
    cap.close();
    fail(`cannot write ${file}: ${(e as Error).message}`);
  }

  let frames = 0;
  let truncated = 0;
  let lastFrame = Date.now();
  cap.on('packet', (nbytes, cut) => {
    const at = process.hrtime.bigint() - origin;
    writer.write(at > 0n ? Number(at) : 0, buffer.subarray(0, nbytes));
    // On the file at once: `cap` aborts the process when the device goes down or away (binding.cc: cb_packets()
    // asserts on a poll error), as tcpdump ends there too; the frames seen until then must not be lost.
    writer.flush();
    frames++;
    if (cut) truncated++;
    lastFrame = Date.now();
  });
  send({ type: 'ready', linkType, pcapLinkType });

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const began = Date.now();
    const tick = (): void => {
      const now = Date.now();
      if (now - lastFrame < QUIET_MS && now - began < DRAIN_MAX_MS) {
        setTimeout(tick, 10);
        return;
      }
      cap.close();
      writer.close();
      send({ type: 'stopped', frames, truncated });
      process.exit(0);
    };
    // Let pending poll events (frames already queued by the kernel) run first.
    setTimeout(tick, 10);
  };
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    if (line.trim() === STOP_LINE) stop();
  });
  input.on('close', stop);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
