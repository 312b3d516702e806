import { describe, expect, it } from 'vitest';
import { buildReply, buildRequest, parseRequestHead, parseResponse } from '../../../core/wire/http.ts';
import { describeFrames, readPcap } from '../../l3/transport-frames.ts';
import { DIR, normalise, recordedCases, simulate, type Recorded } from './recorded.ts';

/** The recorded cases with twinnet's httpd or curl (the kernel side ran kernel-adapter/apps/ under node). */
const CASES = recordedCases().filter((c) => [c.client.argv[0], c.server?.argv[0]].some((t) => t === 'httpd' || t === 'curl'));

/**
 * Output and status as recorded. Elapsed times are not compared: on the kernel they include node's start-up (about
 * half a second through tsx), which the simulator's programs do not have.
 */
function expectSame(sim: ReturnType<typeof simulate>['client'], real: Recorded): void {
  expect(sim.killed).toBe(real.killed);
  expect(normalise(sim.stderr)).toBe(normalise(real.stderr.replace(/Terminated\n$/, '')));
  expect(sim.stdout).toBe(real.stdout);
  if (!real.killed) expect(sim.status).toBe(real.status);
}

describe('httpd and curl on the simulator against the same programs on the kernel (fixtures/transport/nc/http-*)', () => {
  it('has recordings', () => expect(CASES.length).toBeGreaterThanOrEqual(8));
  for (const c of CASES) {
    it(`${c.case}: output and exit status`, () => {
      for (const seed of [1, 2]) {
        const sim = simulate(c, seed);
        expectSame(sim.client, c.client);
        if (c.server) expectSame(sim.server!, c.server);
      }
    });
    it(`${c.case}: the frames on a's eth0`, () => {
      expect(simulate(c, 1).frames).toEqual(describeFrames(readPcap(new URL(`${c.case}.pcap`, DIR))));
    });
  }
});

describe('the bytes of twinnet\'s HTTP pair (core/wire/http.ts)', () => {
  it('asks with curl\'s header order, the port in Host only when not 80', () => {
    expect(new TextDecoder().decode(buildRequest('10.0.0.2', 80, '/'))).toBe('GET / HTTP/1.1\r\nHost: 10.0.0.2\r\nUser-Agent: twinnet-curl/1\r\nAccept: */*\r\nConnection: close\r\n\r\n');
    expect(new TextDecoder().decode(buildRequest('10.0.0.2', 8080, '/x'))).toContain('Host: 10.0.0.2:8080\r\n');
  });

  it('answers GET with the hello body, HEAD with the head only, other methods 405, anything else 400', () => {
    const ask = (text: string) => buildReply(parseRequestHead(new TextEncoder().encode(text)), '10.0.0.2', 80, '10.0.0.1');
    const get = ask('GET /p HTTP/1.1\r\n\r\n');
    const response = parseResponse(get.bytes);
    expect(response).toMatchObject({ kind: 'response', status: 200 });
    expect(new TextDecoder().decode((response as { body: Uint8Array }).body)).toBe('hello from 10.0.0.2 port 80: you are 10.0.0.1, you asked for /p\n');
    const head = ask('HEAD /p HTTP/1.1\r\n\r\n');
    expect(head.bodyLength).toBe(0);
    expect(new TextDecoder().decode(head.bytes)).toContain('Content-Length: 64\r\n');
    expect(ask('POST / HTTP/1.1\r\n\r\n').status).toBe(405);
    expect(ask('hello\r\n\r\n').status).toBe(400);
    expect(parseRequestHead(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n'))).toEqual({ kind: 'incomplete' });
    expect(parseResponse(new Uint8Array(0))).toEqual({ kind: 'empty' });
    expect(parseResponse(new TextEncoder().encode('SSH-2.0\r\n'))).toEqual({ kind: 'not http' });
  });
});
