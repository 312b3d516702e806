import { parseScenario } from '../../core/scenario/index.ts';
import type { NetDevice } from '../../l2/device.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { TcpSocket } from '../../l3/tcp-socket.ts';
import { Network } from '../../sim/network.ts';
import { Runner } from '../../sim/runner.ts';

/** A frame seen on a device, as a capture on it records it. */
export interface Captured {
  readonly at: number;
  readonly direction: 'in' | 'out';
  readonly data: Uint8Array;
}

/** Records every frame crossing `device`. */
export function capture(device: NetDevice): Captured[] {
  const frames: Captured[] = [];
  device.taps.add({ frame: (_d, data, direction, at) => frames.push({ at, direction, data: data.slice() }) });
  return frames;
}

/** Runs scenario lines (ip, sysctl, tc …) on `net` as a script, failing on any error. */
export function runLines(net: Network, lines: readonly string[]): void {
  const parsed = parseScenario(lines.join('\n'), { file: 'topology.sh' });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  const result = new Runner({ network: net }).run(parsed.value);
  const failed = result.transcript.find((e) => e.status !== 0);
  if (failed) throw new Error(`${failed.command}: ${failed.output.map((c) => c.text).join('')}`);
}

/**
 * fixtures/pcap's topology "two": namespaces a (10.0.0.1/24, eth0 02:00:00:00:00:01) and b (10.0.0.2/24, eth0
 * 02:00:00:00:00:02) on one veth pair, lo up in both; `extra` lines follow.
 */
export function twoHosts(seed = 1, extra: readonly string[] = []): { net: Network; a: NetNamespace; b: NetNamespace; aEth: NetDevice; bEth: NetDevice } {
  const net = new Network({ seed });
  runLines(net, [
    'ip netns add a',
    'ip netns add b',
    'ip -n a link add eth0 address 02:00:00:00:00:01 type veth peer name eth0 address 02:00:00:00:00:02 netns b',
    'ip -n a link set lo up',
    'ip -n b link set lo up',
    'ip -n a link set eth0 up',
    'ip -n b link set eth0 up',
    'ip -n a addr add 10.0.0.1/24 dev eth0',
    'ip -n b addr add 10.0.0.2/24 dev eth0',
    ...extra,
  ]);
  const a = net.namespace('a')!;
  const b = net.namespace('b')!;
  return { net, a, b, aEth: a.device('eth0')!, bEth: b.device('eth0')! };
}

/** Writes all of `data` through `client` as the socket lets it, 16 KiB at a time, then shuts its side down. */
export function sendAll(client: TcpSocket, data: Uint8Array): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < data.length) {
      const n = client.write(data.subarray(sent, sent + 16384));
      if (typeof n === 'string' || n === 0) return;
      sent += n;
    }
    client.shutdown();
  };
  client.onConnect = pump;
  client.onWritable = pump;
}
