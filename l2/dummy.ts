import type { MacAddress } from '../core/mac.ts';
import { NetDevice, type DeviceOwner } from './device.ts';

/** A dummy device (drivers/net/dummy.c): carrier always on, transmitted frames are counted and discarded. */
export class Dummy extends NetDevice {
  readonly kind = 'dummy';

  constructor(name: string, ifindex: number, mac: MacAddress, owner: DeviceOwner) {
    super(name, ifindex, mac, owner);
    this.carrierOn = true;
  }

  /** dummy never reports an operstate: `state UNKNOWN` when up. */
  protected override get operUnknown(): boolean {
    return true;
  }

  /** dummy_xmit(): counted, then freed. */
  protected xmit(_frame: Uint8Array): void {}
}
