import { expect, it } from 'vitest';
import { parseScenario } from '../../core/scenario/index.ts';
import { entryOutput } from '../../core/transcript.ts';
import { replay } from '../../kernel-adapter/replay.ts';
import { simulate } from '../../sim/runner.ts';
import { guardHostNamespace } from '../support/host-snapshot.ts';
import { describeKernel } from '../support/kernel.ts';

const SCENARIO = `ip netns add srv
ip netns add cli
ip link add v1 netns srv type veth peer name v2 netns cli
ip -n srv addr add 10.22.0.1/24 dev v1
ip -n cli addr add 10.22.0.2/24 dev v2
ip -n srv link set v1 up
ip -n cli link set v2 up
ip netns exec srv httpd 8080 &
ip netns exec cli curl -s http://10.22.0.1:8080/hello
ip netns exec cli curl http://10.22.0.1:8081/
ip netns exec srv nc -l -u -p 5000 &
echo hello | ip netns exec cli nc -u -q 1 10.22.0.1 5000
ip netns exec cli nc -u -w 1 10.22.0.1 5000 <<< again
ip netns exec srv nc -l -u -p 6000 &
ip netns exec cli send udp dst 10.22.0.1 sport 4000 dport 6000 payload probe
ip netns exec cli send udp dst 10.99.0.1 dport 9
`;

describeKernel('replay: servers in the background, clients, send probes, pipes and here-strings', () => {
  guardHostNamespace();

  it('twinnet\'s httpd/curl and netcat-openbsd on the kernel print what the simulator prints', { timeout: 30_000 }, async () => {
    const parsed = parseScenario(SCENARIO, { file: 'apps.sh' });
    if (!parsed.ok) throw new Error(parsed.error.message);
    const kernel = await replay(parsed.value);
    const out = (command: string) => kernel.transcript.find((e) => e.command === command)!;
    // The server answered once it listened (the replay waits for its socket before the next command).
    expect(entryOutput(out('ip netns exec cli curl -s http://10.22.0.1:8080/hello'))).toBe(
      '10.22.0.2 "GET /hello HTTP/1.1" 200 72\nhello from 10.22.0.1 port 8080: you are 10.22.0.2, you asked for /hello\n',
    );
    expect(out('ip netns exec cli curl http://10.22.0.1:8081/').status).toBe(7);
    expect(entryOutput(out('ip netns exec cli curl http://10.22.0.1:8081/'))).toMatch(/^curl: \(7\) Failed to connect to 10\.22\.0\.1 port 8081/);
    // echo's stdout went to nc's stdin; the listening nc printed it, in the entry during which it arrived. Its peer
    // fixed, the listener ignores the second client's datagram (netcat.c: a UDP listener connect()s to the first).
    expect(entryOutput(out('echo hello | ip netns exec cli nc -u -q 1 10.22.0.1 5000'))).toBe('hello\n');
    expect(entryOutput(out('ip netns exec cli nc -u -w 1 10.22.0.1 5000'))).toBe('');
    // A crafted probe through raw-socket; nc prints its payload as it comes (no newline: no line to wait for).
    expect(entryOutput(out('ip netns exec cli send udp dst 10.22.0.1 sport 4000 dport 6000 payload probe'))).toBe('probe');
    expect(entryOutput(out('ip netns exec cli send udp dst 10.99.0.1 dport 9'))).toBe('send probe: no source address for 10.99.0.1: RTNETLINK answers: Network is unreachable\n');
    const sim = simulate(parsed.value);
    expect(kernel.transcript.map((e) => [e.command, entryOutput(e), e.status])).toEqual(sim.transcript.map((e) => [e.command, entryOutput(e), e.status]));
    expect(kernel.exitStatus).toBe(sim.exitStatus);
  });
});
