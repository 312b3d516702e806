import type { DeviceOwner } from './device.ts';
import { NetDevice } from './device.ts';

/** The loopback device `lo` (drivers/net/loopback.c): always carrier, MTU 65536, what it sends it receives. */
export class Loopback extends NetDevice {
  readonly kind = 'loopback';

  constructor(owner: DeviceOwner) {
    super('lo', 1, 0, owner);
    this.mtu = 65536;
    this.carrierOn = true;
    this.latency = 10_000;
  }

  /** The kernel never sets an operstate for lo: `state UNKNOWN` when up. */
  protected override get operUnknown(): boolean {
    return true;
  }

  /** loopback_xmit(): the frame comes straight back in. */
  protected xmit(frame: Uint8Array): void {
    this.owner.scheduler.after(this.latency, () => this.deliver(frame));
  }
}
