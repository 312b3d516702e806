/**
 * Rewriting real tool output back to the scenario's names (DESIGN.md §4 "Names"), so that a transcript reads as
 * it would on a machine where the scenario ran alone: `twn<run>-netns1` → `netns1`. The sandbox namespace of the
 * scenario's global namespace has a name (`twn<run>-global`) where the real one has none, so iproute2 prints
 * `link-netns twn<run>-global` where the scenario's machine prints `link-netnsid N` (ip/ipaddress.c:
 * print_linkinfo() prints a name only when the nsid maps to a file in /run/netns); that is rewritten to the
 * nsid, and the global sandbox is left out of `ip netns list` and `ip netns identify`.
 */
import { GLOBAL_SUFFIX } from './run-record.ts';

/** How to rewrite one run's output. */
export interface NameRewrite {
  /** The run's namespace prefix, `twn<run>-`. */
  readonly prefix: string;
  /**
   * The nsid under which the namespace whose output this is knows the sandbox global namespace (`ip netns
   * list-id` there), if it has one; it replaces `link-netns twn<run>-global`.
   */
  readonly globalNsid?: number | undefined;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Characters that end a namespace name in tool output: space, quotes, brackets, separators. */
const NAME_CHARS = String.raw`[^\s"'()\[\]{},:;/]+`;

/** Replaces every sandbox namespace name of the run with the scenario's name. */
export function rewriteNames(text: string, rewrite: NameRewrite): string {
  const p = escapeRegExp(rewrite.prefix);
  let out = text;
  if (rewrite.globalNsid !== undefined) {
    out = out.replace(new RegExp(`link-netns ${p}${GLOBAL_SUFFIX}(?![^\\s"'])`, 'g'), `link-netnsid ${rewrite.globalNsid}`);
  }
  return out.replace(new RegExp(`${p}(${NAME_CHARS})`, 'g'), (_, name: string) => name);
}

/**
 * `ip netns list` / `ip netns` (text: `NAME` or `NAME (id: N)` per line, newest first) or `ip -j netns list`
 * (`[{"name":…,"id":…}]`): only the run's scenario namespaces, renamed; other namespaces on the machine and the
 * sandbox global one are left out.
 */
export function rewriteNetnsList(text: string, rewrite: NameRewrite, json = false): string {
  const global = `${rewrite.prefix}${GLOBAL_SUFFIX}`;
  const ours = (name: string): boolean => name.startsWith(rewrite.prefix) && name !== global;
  if (json) {
    const trimmed = text.trim();
    if (trimmed === '') return text;
    const entries = JSON.parse(trimmed) as { name: string; id?: number }[];
    const kept = entries.filter((e) => ours(e.name)).map((e) => ({ ...e, name: e.name.slice(rewrite.prefix.length) }));
    return `${JSON.stringify(kept)}\n`;
  }
  return text
    .split('\n')
    .filter((line, i, all) => (line === '' ? i === all.length - 1 : ours(line.split(' ')[0]!)))
    .map((line) => line.slice(rewrite.prefix.length))
    .join('\n');
}

/**
 * `ip netns identify [PID]`: the names of the namespaces the process is in, one per line. A process in the
 * scenario's global namespace is in no named namespace, so the sandbox global one prints nothing; the run's
 * others are renamed, and other names are left out.
 */
export function rewriteNetnsIdentify(text: string, rewrite: NameRewrite): string {
  const global = `${rewrite.prefix}${GLOBAL_SUFFIX}`;
  const kept = text
    .split('\n')
    .filter((l) => l.startsWith(rewrite.prefix) && l !== global)
    .map((l) => l.slice(rewrite.prefix.length));
  return kept.length === 0 ? '\n' : `${kept.join('\n')}\n`;
}
