import { describe, expect, it } from 'vitest';
import { parseNetnsListId } from '../../kernel-adapter/netns.ts';
import { rewriteNames, rewriteNetnsIdentify, rewriteNetnsList } from '../../kernel-adapter/rewrite.ts';

// Outputs as iproute2 6.1 printed them inside sandbox namespaces of run 1a2b3c4d (recorded on the real kernel).
const rw = { prefix: 'twn1a2b3c4d-', globalNsid: 0 };

describe('kernel-adapter output rewriting', () => {
  it('renames link-netns of a named namespace and turns the sandbox global one into link-netnsid', () => {
    const inNetns1 = [
      '1: lo: <LOOPBACK> mtu 65536 qdisc noop state DOWN mode DEFAULT group default qlen 1000',
      '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
      '2: ceth1@if2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000',
      '    link/ether f2:b4:b3:59:53:9d brd ff:ff:ff:ff:ff:ff link-netns twn1a2b3c4d-global',
      '',
    ].join('\n');
    expect(rewriteNames(inNetns1, rw)).toBe(inNetns1.replace('link-netns twn1a2b3c4d-global', 'link-netnsid 0'));
    const inGlobal = '    link/ether 4a:2d:f3:6f:db:79 brd ff:ff:ff:ff:ff:ff link-netns twn1a2b3c4d-netns1\n';
    expect(rewriteNames(inGlobal, { prefix: rw.prefix })).toBe('    link/ether 4a:2d:f3:6f:db:79 brd ff:ff:ff:ff:ff:ff link-netns netns1\n');
  });

  it('renames names inside messages and JSON, and leaves other runs\' and other tools\' names alone', () => {
    expect(rewriteNames('Cannot create namespace file "/run/netns/twn1a2b3c4d-netns1": File exists\n', rw)).toBe(
      'Cannot create namespace file "/run/netns/netns1": File exists\n',
    );
    expect(rewriteNames('[{"name":"twn1a2b3c4d-red","id":1}]', rw)).toBe('[{"name":"red","id":1}]');
    expect(rewriteNames('link-netns twn99999999-netns1 tw-other', rw)).toBe('link-netns twn99999999-netns1 tw-other');
  });

  it('filters ip netns list to the run\'s scenario namespaces, newest first, ids kept', () => {
    const text = 'twn1a2b3c4d-netns2 (id: 1)\ntw-fix-other\ntwn1a2b3c4d-netns1 (id: 0)\ntwn1a2b3c4d-global\ntwn99999999-netns1\n';
    expect(rewriteNetnsList(text, rw)).toBe('netns2 (id: 1)\nnetns1 (id: 0)\n');
    expect(rewriteNetnsList('', rw)).toBe('');
    const json = '[{"name":"twn1a2b3c4d-netns1","id":0},{"name":"twn1a2b3c4d-global"},{"name":"foreign"}]\n';
    expect(JSON.parse(rewriteNetnsList(json, rw, true))).toEqual([{ name: 'netns1', id: 0 }]);
  });

  it('ip netns identify: the global sandbox prints the empty line the unnamed namespace prints', () => {
    expect(rewriteNetnsIdentify('twn1a2b3c4d-global\n', rw)).toBe('\n');
    expect(rewriteNetnsIdentify('twn1a2b3c4d-netns1\n', rw)).toBe('netns1\n');
    expect(rewriteNetnsIdentify('\n', rw)).toBe('\n');
  });

  it('parses ip netns list-id', () => {
    const ids = parseNetnsListId('nsid 0 (iproute2 netns name: twn1a2b3c4d-global)\nnsid 1 \n');
    expect([...ids]).toEqual([
      [0, 'twn1a2b3c4d-global'],
      [1, undefined],
    ]);
  });
});
