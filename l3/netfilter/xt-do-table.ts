import type { NfHook } from '../hooks.ts';
import { ruleMatches, type MatchPacket } from './xt-match.ts';
import type { XtRuleSpec, XtTarget } from './xt-rule.ts';
import type { XtChain, XtTable } from './xt-table.ts';

/** What a target extension decided: go on with the next rule (LOG), or a final verdict (REJECT drops, NAT accepts). */
export type TargetOutcome = 'continue' | 'ACCEPT' | 'DROP';

/**
 * ipt_do_table() / nft_do_chain() for one hook: walks the table's chain for the hook rule by rule, counting each
 * matching rule (packets, and bytes of the IP datagram), jumping into user chains and back on RETURN or at their
 * end, until a verdict; reaching the end of the base chain applies its policy (counted when the chain has counters). A built-in chain the
 * kernel does not have yet lets everything through uncounted. `extension` runs targets other than verdicts and
 * jumps.
 */
export function doTable(table: XtTable, hook: NfHook, packet: MatchPacket, length: number, extension: (target: XtTarget, spec: XtRuleSpec) => TargetOutcome): 'ACCEPT' | 'DROP' {
  const base = table.chain(hook);
  if (!base || !base.exists) return 'ACCEPT';
  const stack: { chain: XtChain; next: number }[] = [];
  let chain: XtChain = base;
  let i = 0;
  for (;;) {
    if (i >= chain.rules.length) {
      const back = stack.pop();
      if (!back) break;
      chain = back.chain;
      i = back.next;
      continue;
    }
    const rule = chain.rules[i]!;
    i++;
    if (!ruleMatches(rule.spec, packet)) continue;
    rule.packets++;
    rule.bytes += length;
    const t = rule.spec.target;
    switch (t.kind) {
      case 'none':
        continue;
      case 'ACCEPT':
      case 'DROP':
        return t.kind;
      case 'RETURN': {
        const back = stack.pop();
        if (!back) {
          i = chain.rules.length;
          continue;
        }
        chain = back.chain;
        i = back.next;
        continue;
      }
      case 'jump': {
        const next = table.chain(t.chain);
        if (!next) continue;
        stack.push({ chain, next: i });
        chain = next;
        i = 0;
        continue;
      }
      default: {
        const outcome = extension(t, rule.spec);
        if (outcome !== 'continue') return outcome;
      }
    }
  }
  if (base.counted) {
    base.policyPackets++;
    base.policyBytes += length;
  }
  return base.policy;
}
