import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { newRenamings } from '../../core/doctest/normalise.ts';
import { firstPid } from '../../core/seeded.ts';
import { entryOutput } from '../../core/transcript.ts';
import { replay } from '../../kernel-adapter/replay.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';
import { compareFrames, compareWithRecording, printCapture, recordedBlocks, recordedMacs, recordedReadBacks, seedPart, seedPreamble } from './replay-support.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/**
 * The seed tutorial's parts (a)-(d), recorded on this kernel with kernel-truth (fixtures/seed/kernel/*.out), replayed
 * with twinnet (the recording's veth MACs given as `macs`): every command prints what the kernel printed then, and
 * each background capture holds the frames the recording's capture held over the same seconds.
 */
describeKernel('replay: the seed tutorial parts on the kernel, against their recorded output', () => {
  guardHostNamespace();

  it.each(['a-netns1', 'b-route', 'c-veth2-failure', 'd-bridge'])('%s', { timeout: 60_000 }, async (part) => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-replay-seed-'));
    dirs.push(dir);
    const { scenario, captures } = seedPart(part);
    const result = await replay(scenario, { preamble: [seedPreamble(part)], pcapDir: dir, macs: recordedMacs(part) });
    expect(result.exitStatus).toBe(0);
    const part0 = result.transcript.findIndex((e) => !e.preamble);
    expect(part0).toBeGreaterThan(0);

    // Divergences entry 20: the last `arp -a` does reverse DNS through the recording machine's resolver, whose
    // queries left by the scenario's default route and added a neighbour; a replay's lookups fail on its loopback.
    const lastArp = part === 'd-bridge' ? result.transcript.map((e) => e.command).lastIndexOf('arp -a') : Infinity;
    const renamings = newRenamings();
    const differences = compareWithRecording(result.transcript, recordedBlocks(part), renamings, (_, i) => i >= lastArp);
    expect(differences).toEqual([]);

    const ids = new Set<number>();
    for (const [file, { filter, lines }] of recordedReadBacks(part)) {
      const capture = captures.find((c) => c.file === file)!;
      const started = result.transcript.find((e) => e.command === capture.command)!.startedAt;
      const replayed = printCapture(join(dir, file), filter, started, started + capture.seconds * 1e9);
      expect(compareFrames(lines, replayed, renamings), file).toEqual([]);
      for (const m of replayed.join('\n').matchAll(/ICMP echo (?:request|reply), id (\d+)/g)) ids.add(Number(m[1]));
    }
    // ping got -e with the simulator's identifiers: firstPid(seed) + n for the n-th ping that started.
    const pings = result.transcript.filter((e) => !e.preamble && /^PING /m.test(entryOutput(e))).length;
    expect(ids.size).toBeGreaterThan(0);
    for (const id of ids) expect(id - firstPid(1) >= 0 && id - firstPid(1) < pings, `ICMP id ${id}, first ${firstPid(1)}, ${pings} pings`).toBe(true);

    // Each capture point's frames are kept in the result and written as a pcap.
    for (const [point, file] of result.pcapFiles) {
      expect(existsSync(file)).toBe(true);
      expect(result.captures.get(point)!.length).toBeGreaterThan(0);
    }
    // State after each show command and at the end, with sandbox names rewritten back.
    expect(result.state.afterShows.length).toBeGreaterThan(0);
    for (const s of result.state.afterShows) expect('error' in s.state, JSON.stringify(s.state)).toBe(false);
    const namespaces = result.state.final.map((s) => s.namespace ?? '(global)');
    expect(namespaces).toEqual(expect.arrayContaining(['(global)', 'upstream', 'hostonly', 'netns1']));
    expect(JSON.stringify(result.state.final)).not.toContain('twn');
    // reachable_time per device, drawn by the kernel from base_reachable_time 30 s: [15 s, 45 s).
    expect(result.reachableTimes.get('netns1:ceth1')).toBeDefined();
    for (const [key, ns] of result.reachableTimes) expect(ns >= 15e9 && ns < 45e9, `${key} ${ns}`).toBe(true);
  });
});
