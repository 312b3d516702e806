import type { MacAddress } from '../core/mac.ts';
import { NetDevice, type DeviceOwner } from './device.ts';

/**
 * One end of a virtual Ethernet pair (drivers/net/veth.c). What one end transmits, the other receives. Carrier
 * is on for both ends only while both are up (veth_open(), veth_close()); both start without carrier.
 */
export class Veth extends NetDevice {
  readonly kind = 'veth';
  /** The other end; set right after both ends exist (veth_newlink()). */
  peer!: Veth;

  constructor(name: string, ifindex: number, mac: MacAddress, owner: DeviceOwner) {
    super(name, ifindex, mac, owner);
  }

  /** Creates a pair: `ip link add NAME type veth peer name PEER`. The caller registers both ends. */
  static pair(a: Veth, b: Veth): void {
    a.peer = b;
    b.peer = a;
  }

  override get iflink(): number {
    return this.peer.ifindex;
  }

  /** veth_open(): carrier comes on for both ends once the peer is up too. */
  protected override onOpen(): void {
    if (this.peer.adminUp) {
      this.setCarrier(true);
      this.peer.setCarrier(true);
    }
  }

  /** veth_close(): carrier goes off on both ends. */
  protected override onClose(): void {
    this.setCarrier(false);
    this.peer.setCarrier(false);
  }

  /** veth_xmit(): the peer receives the frame; it drops what exceeds its MTU (is_skb_forwardable()). */
  protected xmit(frame: Uint8Array): void {
    const peer = this.peer;
    if (frame.length > peer.mtu + 14 + 4) {
      this.stats.txDropped++;
      this.owner.drop(this, frame, 'malformed');
      return;
    }
    peer.owner.scheduler.after(this.latency, () => peer.deliver(frame));
  }
}
