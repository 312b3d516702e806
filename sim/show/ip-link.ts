import { linkFlags, linkPeer, peerDown, linkAddresses } from './link-facts.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { Network } from '../network.ts';
import { formatJson, type JsonValue } from './json.ts';
import { briefColumns, briefJson, linkRecord } from './link-record.ts';
import { failed, printed, type ShowResult } from './result.ts';
import type { NetDevice } from '../../l2/device.ts';

/** The options of `ip [-br] [-j [-p]] [-o] [-d] [-s] link [show] [dev] [DEV]`. */
export interface IpShowOptions {
  readonly device?: string;
  readonly brief?: boolean;
  readonly json?: boolean;
  readonly pretty?: boolean;
  readonly oneline?: boolean;
  readonly details?: boolean;
  /** How many `-s` were given (only one is modelled). */
  readonly stats?: number;
}

/** The devices a show command lists, or iproute2's error for an unknown `dev` (ip/ipaddress.c ipaddr_list_flush_or_save()). */
export function selectDevices(ns: NetNamespace, device: string | undefined): NetDevice[] | ShowResult {
  if (device === undefined) return [...ns.devices].sort((a, b) => a.ifindex - b.ifindex);
  const found = ns.device(device);
  if (!found) return failed(`Device "${device}" does not exist.`, 1);
  return [found];
}

/** `-o`: the record's line breaks become `\` (iproute2's _SL_). */
export function oneline(lines: readonly string[]): string {
  return `${lines.join('\\')}\n`;
}

/** `ip link show`: every device (or one) as iproute2 6.1 prints it, in text, oneline, brief or JSON. */
export function showLinks(net: Network, ns: NetNamespace, options: IpShowOptions = {}): ShowResult {
  const devices = selectDevices(ns, options.device);
  if (!Array.isArray(devices)) return devices;
  if (options.brief) {
    if (options.json) {
      const out: JsonValue[] = devices.map((d) => {
        const head = briefJson(net, ns, d);
        head['address'] = linkAddresses(d).address;
        head['flags'] = linkFlags(d, peerDown(linkPeer(net, ns, d)));
        return head;
      });
      return printed(formatJson(out, options.pretty ?? false));
    }
    return printed(
      devices
        .map((d) => `${briefColumns(net, ns, d)}${linkAddresses(d).address} <${linkFlags(d, peerDown(linkPeer(net, ns, d))).join(',')}> \n`)
        .join(''),
    );
  }
  const stats = (options.stats ?? 0) > 0;
  const records = devices.map((d) => linkRecord(net, ns, d, { forLink: true, details: options.details, stats }));
  if (options.json) return printed(formatJson(records.map((r) => r.json), options.pretty ?? false));
  return printed(
    records
      .map((r) => {
        const lines = [...r.lines, ...r.statsLines];
        return options.oneline ? oneline(lines) : `${lines.join('\n')}\n`;
      })
      .join(''),
  );
}
