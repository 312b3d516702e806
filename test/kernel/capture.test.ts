import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseIpv4 as parseAddress } from '../../core/ipv4.ts';
import { readCapture } from '../../core/pcap/reader.ts';
import { EtherType, parseEthernet } from '../../core/wire/ethernet.ts';
import { parseIcmp } from '../../core/wire/icmp.ts';
import { parseIpv4 } from '../../core/wire/ipv4.ts';
import { startCapture } from '../../kernel-adapter/capture/capture.ts';
import { netnsPids } from '../../kernel-adapter/netns.ts';
import { sendProbe } from '../../kernel-adapter/probe/send.ts';
import { rewriteNames, rewriteNetnsIdentify, rewriteNetnsList } from '../../kernel-adapter/rewrite.ts';
import { Sandbox } from '../../kernel-adapter/sandbox.ts';
import { dumpNamespaceState, dumpState } from '../../kernel-adapter/state.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

const ip = (text: string): number => {
  const r = parseAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

/** Every frame of a pcap file, in order. */
function frames(file: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const r of readCapture(file, { copy: true })) {
    if (!r.ok) throw new Error(`${file}: ${JSON.stringify(r.error)}`);
    out.push(r.value.data);
  }
  return out;
}

/** The ICMP echo messages among `frames`: kind, identifier and sequence. */
function echoes(list: readonly Uint8Array[]): string[] {
  const out: string[] = [];
  for (const f of list) {
    const eth = parseEthernet(f);
    if (!eth.ok || eth.value.etherType !== EtherType.Ipv4) continue;
    const ipv4 = parseIpv4(f.subarray(14));
    if (!ipv4.ok || ipv4.value.protocol !== 1) continue;
    const icmp = parseIcmp(ipv4.value.payload);
    if (icmp.ok && (icmp.value.kind === 'echoRequest' || icmp.value.kind === 'echoReply')) out.push(`${icmp.value.kind} seq ${icmp.value.sequenceNumber}`);
  }
  return out;
}

describeKernel('kernel adapter: captures, send probes, state dump and name rewriting on real namespaces', () => {
  guardHostNamespace();
  let sandbox: Sandbox;
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'twinnet-capture-'));
    sandbox = Sandbox.create();
    sandbox.mustAddNamespace(undefined);
    sandbox.mustAddNamespace('netns1');
    const must = (ns: string | undefined, line: string): void => {
      const r = sandbox.exec(ns, line.split(' '));
      if (r.status !== 0) throw new Error(`${line}: ${r.stderr}`);
    };
    must(undefined, `ip link add veth1 type veth peer name ceth1 netns ${sandbox.nsName('netns1')}`);
    must(undefined, 'ip addr add 10.200.0.1/24 dev veth1');
    must(undefined, 'ip link set veth1 up');
    must('netns1', 'ip addr add 10.200.0.2/24 dev ceth1');
    must('netns1', 'ip link set ceth1 up');
  });

  afterAll(() => {
    const report = sandbox.cleanup();
    expect(report.failed).toEqual([]);
    expect(sandbox.namespaces).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('captures a ping with cap and with tcpdump -w: the same frames, echo requests and replies', { timeout: 20_000 }, async () => {
    const capFile = join(dir, 'cap.pcap');
    const tcpdumpFile = join(dir, 'tcpdump.pcap');
    const [viaCap, viaTcpdump] = await Promise.all([
      startCapture(sandbox, undefined, 'veth1', capFile),
      startCapture(sandbox, undefined, 'veth1', tcpdumpFile, { backend: 'tcpdump' }),
    ]);
    const ping = sandbox.exec('netns1', ['ping', '-c', '3', '-i', '0.2', '10.200.0.1']);
    expect(ping.status, ping.stderr).toBe(0);
    const [a, b] = await Promise.all([viaCap.stop(), viaTcpdump.stop()]);

    const seen = frames(capFile);
    expect(echoes(seen)).toEqual(['echoRequest seq 1', 'echoReply seq 1', 'echoRequest seq 2', 'echoReply seq 2', 'echoRequest seq 3', 'echoReply seq 3']);
    expect(a.frames).toBe(seen.length);
    // The oracle: tcpdump, capturing the same traffic at the same time, saw the very same frames in the same order.
    const reference = frames(tcpdumpFile);
    expect(b.frames).toBe(reference.length);
    expect(seen.map((f) => Buffer.from(f).toString('hex'))).toEqual(reference.map((f) => Buffer.from(f).toString('hex')));
    // And the real tcpdump reads the cap backend's file.
    const text = execFileSync('tcpdump', ['-nr', capFile], { encoding: 'utf8', env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'ignore'] });
    expect(text.match(/ICMP echo request/g)?.length).toBe(3);
    expect(text.match(/ICMP echo reply/g)?.length).toBe(3);
  });

  it('a capture on a missing device fails clearly, and nothing keeps running', { timeout: 20_000 }, async () => {
    await expect(startCapture(sandbox, 'netns1', 'nosuchdev', join(dir, 'x.pcap'))).rejects.toThrow(/nosuchdev/);
    await expect(startCapture(sandbox, 'netns1', 'nosuchdev', join(dir, 'y.pcap'), { backend: 'tcpdump' })).rejects.toThrow(/nosuchdev/);
    expect(netnsPids(sandbox.nsName('netns1'))).toEqual([]);
  });

  it('sends a crafted UDP probe through raw-socket and sees it, byte for byte, in a capture', { timeout: 20_000 }, async () => {
    const file = join(dir, 'probe.pcap');
    const capture = await startCapture(sandbox, 'netns1', 'ceth1', file, { filter: 'udp' });
    const payload = new TextEncoder().encode('twinnet probe');
    const sent = await sendProbe(sandbox, undefined, {
      protocol: 'udp',
      source: ip('10.200.0.1'),
      destination: ip('10.200.0.2'),
      sourcePort: 40000,
      destinationPort: 9,
      ttl: 7,
      identification: 0x1234,
      payload,
    });
    expect(sent.bytes).toEqual([sent.packets[0]!.length]);
    await capture.stop();
    const got = frames(file);
    expect(got).toHaveLength(1);
    expect(Buffer.from(got[0]!.subarray(14)).toString('hex')).toBe(Buffer.from(sent.packets[0]!).toString('hex'));
  });

  it('sends TCP SYN-ACK probes with chosen flags, TTL, router alert, count, and the source the route picks', { timeout: 20_000 }, async () => {
    const file = join(dir, 'syn.pcap');
    const capture = await startCapture(sandbox, 'netns1', 'ceth1', file, { filter: 'tcp and src host 10.200.0.1' });
    // No source given: the namespace's routing picks it, as for a socket.
    const sent = await sendProbe(sandbox, undefined, { protocol: 'tcp', destination: ip('10.200.0.2'), sourcePort: 41000, destinationPort: 80, tcpFlags: 0x12, ttl: 3, identification: 7, ipOptions: ['ra'], count: 2 });
    await capture.stop();
    const text = execFileSync('tcpdump', ['-nvr', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(text).toContain('ttl 3');
    expect(text).toContain('options (RA)');
    expect(text.match(/10\.200\.0\.1\.41000 > 10\.200\.0\.2\.80: Flags \[S\.\], cksum 0x[0-9a-f]+ \(correct\)/g)).toHaveLength(2);
    expect(frames(file).map((f) => f.subarray(14))).toEqual(sent.packets);
  });

  it('rewrites names back: link-netns of a named namespace, link-netnsid for the global one, netns list and identify', { timeout: 20_000 }, () => {
    const inNetns1 = sandbox.exec('netns1', ['ip', 'link', 'show', 'ceth1']).stdout;
    expect(inNetns1).toContain(`link-netns ${sandbox.nsName(undefined)}`);
    const rewrite = sandbox.nameRewrite('netns1');
    expect(rewrite.globalNsid).toBe(0);
    expect(rewriteNames(inNetns1, rewrite)).toMatch(/link\/ether \S+ brd ff:ff:ff:ff:ff:ff link-netnsid 0\n/);
    const inGlobal = sandbox.exec(undefined, ['ip', 'link', 'show', 'veth1']).stdout;
    expect(rewriteNames(inGlobal, sandbox.nameRewrite(undefined))).toMatch(/link-netns netns1\n/);
    expect(rewriteNames(inGlobal, sandbox.nameRewrite(undefined))).not.toContain('twn');

    const list = sandbox.exec(undefined, ['ip', 'netns', 'list']).stdout;
    expect(rewriteNetnsList(list, sandbox.nameRewrite(undefined))).toMatch(/^netns1 \(id: \d+\)\n$/);
    const json = sandbox.exec(undefined, ['ip', '-j', 'netns', 'list']).stdout;
    expect(JSON.parse(rewriteNetnsList(json, sandbox.nameRewrite(undefined), true))).toEqual([{ name: 'netns1', id: expect.any(Number) }]);
    expect(rewriteNetnsIdentify(sandbox.exec('netns1', ['ip', 'netns', 'identify']).stdout, rewrite)).toBe('netns1\n');
    expect(rewriteNetnsIdentify(sandbox.exec(undefined, ['ip', 'netns', 'identify']).stdout, rewrite)).toBe('\n');
  });

  it('dumps each namespace\'s state as plain data under scenario names', { timeout: 20_000 }, () => {
    const state = dumpNamespaceState(sandbox, 'netns1');
    const text = JSON.stringify(state);
    expect(text).not.toContain(sandbox.prefix);
    const link = (state.links as { ifname: string; link_netnsid?: number }[]).find((l) => l.ifname === 'ceth1');
    expect(link?.link_netnsid).toBe(0);
    const addr = (state.addresses as { ifname: string; addr_info: { local: string }[] }[]).find((l) => l.ifname === 'ceth1');
    expect(addr?.addr_info.map((a) => a.local)).toEqual(['10.200.0.2']);
    expect(state.routes).toContainEqual(expect.objectContaining({ dst: '10.200.0.0/24', dev: 'ceth1', protocol: 'kernel', prefsrc: '10.200.0.2' }));
    expect(state.neighbours).toContainEqual(expect.objectContaining({ dst: '10.200.0.1', dev: 'ceth1' }));
    const ceth1 = state.ntable.find((e) => e.device === 'ceth1');
    expect(ceth1?.baseReachableMs).toBe(30_000);
    expect(ceth1?.reachableMs).toBeGreaterThanOrEqual(15_000);
    expect(ceth1?.reachableMs).toBeLessThan(45_000);
    expect(state.iptables.filter).toContain('*filter');
    expect(state.iptables.nat).toContain('*nat');
    expect(typeof state.conntrack).toBe('string');
    expect(dumpState(sandbox).map((s) => s.namespace)).toEqual([undefined, 'netns1']);
  });
});
