import { formatIpv4 } from '../../core/ipv4.ts';
import type { NetDevice } from '../../l2/device.ts';
import type { InetAddress } from '../../l3/address.ts';
import type { NetNamespace } from '../../l3/namespace.ts';
import type { Network } from '../network.ts';
import { oneline, selectDevices, type IpShowOptions } from './ip-link.ts';
import { formatJson, type JsonObject, type JsonValue } from './json.ts';
import { briefColumns, briefJson, linkRecord } from './link-record.ts';
import { printed, type ShowResult } from './result.ts';

/** iproute2's INFINITY_LIFE_TIME: twinnet's addresses never expire. */
const FOREVER = 4294967295;

/**
 * One address as print_addrinfo() prints it: `inet A/LEN [metric N] [brd B] scope S [secondary] [noprefixroute]
 * LABEL`, then the lifetimes line. Returns the two text lines and the JSON object.
 */
export function addressRecord(address: InetAddress): { lines: [string, string]; json: JsonObject } {
  const json: JsonObject = { family: 'inet', local: formatIpv4(address.local), prefixlen: address.prefixLength };
  let text = `    inet ${formatIpv4(address.local)}/${address.prefixLength} `;
  if (address.metric !== 0) {
    json['metric'] = address.metric;
    text += `metric ${address.metric} `;
  }
  if (address.broadcast !== undefined) {
    json['broadcast'] = formatIpv4(address.broadcast);
    text += `brd ${formatIpv4(address.broadcast)} `;
  }
  json['scope'] = address.scope;
  text += `scope ${address.scope} `;
  if (address.secondary) {
    json['secondary'] = true;
    text += 'secondary ';
  }
  if (address.noPrefixRoute) {
    json['noprefixroute'] = true;
    text += 'noprefixroute ';
  }
  json['label'] = address.label;
  text += address.label;
  json['valid_life_time'] = FOREVER;
  json['preferred_life_time'] = FOREVER;
  return { lines: [text, '       valid_lft forever preferred_lft forever'], json };
}

/** Brief: `A/LEN [metric N] `. */
function briefAddress(address: InetAddress): string {
  return `${formatIpv4(address.local)}/${address.prefixLength} ${address.metric !== 0 ? `metric ${address.metric} ` : ''}`;
}

function briefAddressJson(address: InetAddress): JsonObject {
  const json: JsonObject = { local: formatIpv4(address.local), prefixlen: address.prefixLength };
  if (address.metric !== 0) json['metric'] = address.metric;
  return json;
}

/**
 * `ip addr show` / `ip a`: each device's link record and its IPv4 addresses, primaries first (in_device's
 * ifa_list order). IPv6 is not modelled, so no inet6 line is ever printed.
 */
export function showAddresses(net: Network, ns: NetNamespace, options: IpShowOptions = {}): ShowResult {
  const devices = selectDevices(ns, options.device);
  if (!Array.isArray(devices)) return devices;
  const addressesOf = (d: NetDevice): readonly InetAddress[] => ns.addressesOf(d);
  if (options.brief) {
    if (options.json) {
      const out: JsonValue[] = devices.map((d) => {
        const head = briefJson(net, ns, d);
        head['addr_info'] = addressesOf(d).map(briefAddressJson);
        return head;
      });
      return printed(formatJson(out, options.pretty ?? false));
    }
    return printed(devices.map((d) => `${briefColumns(net, ns, d)}${addressesOf(d).map(briefAddress).join('')}\n`).join(''));
  }
  if (options.oneline && !options.json) {
    // ipaddr_list_flush_or_save() with oneline prints only the addresses, each as `N: NAME    inet …`.
    let out = '';
    for (const d of devices) {
      for (const a of addressesOf(d)) {
        const [first, second] = addressRecord(a).lines;
        out += oneline([`${d.ifindex}: ${d.name}${first}`, second]);
      }
    }
    return printed(out);
  }
  const stats = (options.stats ?? 0) > 0;
  const records = devices.map((d) => {
    const link = linkRecord(net, ns, d, { forLink: false, details: options.details, stats });
    const addresses = addressesOf(d).map(addressRecord);
    return { link, addresses };
  });
  if (options.json) {
    const out: JsonValue[] = records.map(({ link, addresses }) => {
      const json: JsonObject = { ...link.json };
      const statsValue = json['stats64'];
      delete json['stats64'];
      json['addr_info'] = addresses.map((a) => a.json);
      if (statsValue !== undefined) json['stats64'] = statsValue;
      return json;
    });
    return printed(formatJson(out, options.pretty ?? false));
  }
  return printed(
    records
      .map(({ link, addresses }) => {
        const lines = [...link.lines, ...addresses.flatMap((a) => a.lines), ...link.statsLines];
        return `${lines.join('\n')}\n`;
      })
      .join(''),
  );
}
