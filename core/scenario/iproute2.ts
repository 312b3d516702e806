/**
 * iproute2's shared argument readers and error texts (lib/utils.c), so that `ip` and `bridge` lines are read
 * exactly as iproute2 6.1 reads them and refused in its own words.
 */
import type { Ipv4Address, Ipv4Cidr } from '../ipv4.ts';
import { ok, type Result } from '../result.ts';
import { type Args, parseCUnsigned, toolError, type Word } from './args.ts';
import type { ScenarioError } from './error.ts';

/** lib/utils.c: matches(): `word` is a non-empty prefix of `keyword` (so `ip a` is `address`). */
export function matches(word: string, keyword: string): boolean {
  return word.length > 0 && keyword.startsWith(word);
}

/** The first keyword in iproute2's table order that `word` abbreviates, as the `for (c = cmds; …)` loops pick. */
export function firstMatch<K extends string>(word: string, keywords: readonly K[]): K | undefined {
  return keywords.find((k) => matches(word, k));
}

/**
 * lib/utils.c: get_addr_ipv4(): up to four parts, each read by strtoul(…, 0) (so `010` is octal, `0x0a` hex),
 * missing trailing parts zero (`10.1` is 10.1.0.0).
 */
export function getAddrIpv4(text: string): Ipv4Address | undefined {
  const parts = text.split('.');
  if (parts.length > 4) return undefined;
  const bytes = [0, 0, 0, 0];
  for (let i = 0; i < parts.length; i++) {
    const n = parseCUnsigned(parts[i]!, 255);
    if (n === undefined) return undefined;
    bytes[i] = n;
  }
  return ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
}

/** lib/utils.c: get_prefix_1() for AF_INET: `A`, `A/len` (len by strtoul base 0, at most 32); `default`, `any`, `all` when allowed. */
export function getPrefix(text: string, allowDefault: boolean): Ipv4Cidr | undefined {
  if (allowDefault && (text === 'default' || text === 'any' || text === 'all')) return { address: 0, prefixLength: 0 };
  const slash = text.indexOf('/');
  const address = getAddrIpv4(slash < 0 ? text : text.slice(0, slash));
  if (address === undefined) return undefined;
  if (slash < 0) return { address, prefixLength: 32 };
  const prefixLength = parseCUnsigned(text.slice(slash + 1), 32);
  return prefixLength === undefined ? undefined : { address, prefixLength };
}

/** The family word iproute2 prints in "… is expected rather than": "any valid" until an IPv4 argument set the family. */
export type FamilyWord = 'any valid' | 'inet';

/** lib/utils.c: get_prefix() failure. */
export function prefixExpected(family: FamilyWord, arg: string): string {
  return `Error: ${family} prefix is expected rather than "${arg}".`;
}

/** lib/utils.c: get_addr() failure. */
export function addressExpected(family: FamilyWord, arg: string): string {
  return `Error: ${family} address is expected rather than "${arg}".`;
}

/** lib/utils.c: invarg(). */
export function invarg(message: string, arg: string): string {
  return `Error: argument "${arg}" is wrong: ${message}`;
}

/** lib/utils.c: duparg(). */
export function duparg(key: string, arg: string): string {
  return `Error: duplicate "${key}": "${arg}" is the second value.`;
}

/** lib/utils.c: duparg2(). */
export function duparg2(key: string, arg: string): string {
  return `Error: either "${key}" is duplicate, or "${arg}" is a garbage.`;
}

/** lib/utils.c: incomplete_command(), printed when a keyword lacks its argument (NEXT_ARG()). */
export const INCOMPLETE = 'Command line is not complete. Try option "help"';

/** lib/utils.c: __check_ifname(): not empty, no '/' and no white space (the length is checked by the kernel). */
export function validIfname(name: string): boolean {
  return name.length > 0 && !/[/\s]/.test(name);
}

/** IFNAMSIZ: a device name has at most 15 characters. */
export const IFNAMSIZ = 16;

/** Argv indexes of namespace names inside an operation, recorded by the object parsers. */
export const NETNS_ARGS = new WeakMap<object, number[]>();

/** Records that `word` (at argv index `index`) names a namespace in `body`. */
export function markNetns<T extends object>(body: T, ...indexes: number[]): T {
  NETNS_ARGS.set(body, [...(NETNS_ARGS.get(body) ?? []), ...indexes]);
  return body;
}

/** An error for a missing keyword argument (NEXT_ARG()). */
export function incomplete(keyword: Word): Result<never, ScenarioError> {
  return toolError(keyword.position, INCOMPLETE);
}

/** Takes the argument of `keyword`, or fails as NEXT_ARG() does. */
export function nextArg(args: Args, keyword: Word): Result<Word, ScenarioError> {
  const v = args.next();
  return v ? ok(v) : incomplete(keyword);
}
