import { broadcastOf } from '../../core/ipv4.ts';
import type { AddrChange, Command } from '../../core/scenario/index.ts';
import { defaultAddressScope } from '../../l3/address.ts';
import { done, fail, noDevice, type ExecContext, type Outcome } from './context.ts';

/** The kernel's words for an address error (net/ipv4/devinet.c extack messages). */
const ADDRESS_ERRORS = {
  'File exists': 'Error: ipv4: Address already assigned.',
  'Invalid argument': 'Error: ipv4: Invalid scope value.',
  'Cannot assign requested address': 'RTNETLINK answers: Cannot assign requested address',
} as const;

/** `ip addr add|del CIDR [brd +|-|A] [label L] [scope S] dev DEV` (inet_rtm_newaddr(), inet_rtm_deladdr()). */
export function addrChange({ ns, io, command }: ExecContext<Command & AddrChange>): Outcome {
  const device = ns.device(command.device);
  if (!device) return noDevice(io, command.device);
  const { address, prefixLength } = command.address;
  if (command.kind === 'addr.del') {
    const found = ns.addressesOf(device).find(
      (a) => a.local === address && a.prefixLength === prefixLength && (command.label === undefined || a.label === command.label),
    );
    if (!found) return fail(io, 'Error: ipv4: Address not found.', 2);
    ns.removeAddress(found);
    return done();
  }
  let broadcast: number | undefined;
  if (command.broadcast === '+') broadcast = prefixLength < 31 ? broadcastOf({ address, prefixLength }) : undefined;
  else if (command.broadcast === '-' || command.broadcast === undefined) broadcast = undefined;
  else broadcast = command.broadcast;
  const added = ns.addAddress({
    device,
    local: address,
    prefixLength,
    broadcast,
    scope: command.scope ?? defaultAddressScope(address),
    label: command.label ?? device.name,
    noPrefixRoute: command.noPrefixRoute,
    metric: command.metric ?? 0,
  });
  if (typeof added === 'string') return fail(io, ADDRESS_ERRORS[added], 2);
  return done();
}
