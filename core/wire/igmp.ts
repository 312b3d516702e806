import { internetChecksum, sum16 } from '../checksum.ts';
import { readIpv4, writeIpv4, type Ipv4Address } from '../ipv4.ts';
import { err, ok, type Result } from '../result.ts';
import { placePayload, read16, write16 } from './bytes.ts';
import { judgeChecksum, type ChecksumCheck, type HeaderChecksumMode } from './checksum-field.ts';
import type { WireError } from './error.ts';

/*
 * IGMPv1/v2 message [RFC 2236 §2]:
 *
 *    0                   1                   2                   3
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |      Type     | Max Resp Time |           Checksum            |
 *   |                         Group Address                         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * IGMPv3 membership query [RFC 3376 §4.1], a query of 12 bytes or more: the above (Max Resp Code), then
 *   | Resv  |S| QRV |     QQIC      |     Number of Sources (N)     |
 *   |                     Source Address [1..N]                     |
 *
 * IGMPv3 membership report [RFC 3376 §4.2]:
 *   |  Type = 0x22  |    Reserved   |           Checksum            |
 *   |           Reserved            |  Number of Group Records (M)  |
 *   |                      Group Record [1..M]                      |
 * each record:
 *   |  Record Type  |  Aux Data Len |     Number of Sources (N)     |
 *   |                       Multicast Address                       |
 *   |                     Source Address [1..N]                     |
 *   |              Auxiliary Data (Aux Data Len 32-bit words)       |
 *
 * The checksum covers the whole message.
 */
const Field = { type: 0, code: 1, checksum: 2, group: 4, flags: 8, qqic: 9, numberOfSources: 10, sources: 12, numberOfRecords: 6, records: 8 } as const;

/** IGMP message types [RFC 2236, RFC 3376]; any other is kept as its number. */
export const IgmpType = { MembershipQuery: 0x11, MembershipReportV1: 0x12, MembershipReportV2: 0x16, LeaveGroup: 0x17, MembershipReportV3: 0x22 } as const;

/** IGMPv3 group record types [RFC 3376 §4.2.12]; tcpdump prints is_in, is_ex, to_in, to_ex, allow, block. */
export const IgmpRecordType = { ModeIsInclude: 1, ModeIsExclude: 2, ChangeToInclude: 3, ChangeToExclude: 4, AllowNewSources: 5, BlockOldSources: 6 } as const;

/** An IGMPv1/v2 message. */
export const IGMP_HEADER_LEN = 8;
/** An IGMPv3 query without sources. */
export const IGMPV3_QUERY_LEN = 12;

/** A v1 or v2 membership query (8 to 11 bytes) [RFC 2236]: max resp time in tenths of a second, 0 in a v1 query. */
export interface IgmpQueryRepr {
  readonly kind: 'membershipQuery';
  readonly maxRespTime: number;
  readonly checksum: number;
  readonly group: Ipv4Address;
}

/** A v3 membership query [RFC 3376 §4.1]; codes are as on the wire (see `igmpv3CodeValue`). */
export interface IgmpQueryV3Repr {
  readonly kind: 'membershipQueryV3';
  readonly maxRespCode: number;
  readonly checksum: number;
  readonly group: Ipv4Address;
  readonly suppressRouterProcessing: boolean;
  /** QRV, the querier's robustness variable (3 bits). */
  readonly robustness: number;
  /** QQIC, the querier's query interval code. */
  readonly queryIntervalCode: number;
  readonly sources: readonly Ipv4Address[];
}

/** A v1 report, v2 report or v2 leave [RFC 2236]; `maxRespTime` is the unused second byte as read. */
export interface IgmpGroupMessageRepr {
  readonly kind: 'membershipReportV1' | 'membershipReportV2' | 'leaveGroup';
  readonly maxRespTime: number;
  readonly checksum: number;
  readonly group: Ipv4Address;
}

/** One IGMPv3 group record [RFC 3376 §4.2.4]. */
export interface IgmpGroupRecord {
  readonly recordType: number;
  readonly multicastAddress: Ipv4Address;
  readonly sources: readonly Ipv4Address[];
  /** Auxiliary data (a multiple of 4 bytes; a view into the parsed bytes). */
  readonly auxData: Uint8Array;
}

/** A v3 membership report [RFC 3376 §4.2], sent to 224.0.0.22. */
export interface IgmpReportV3Repr {
  readonly kind: 'membershipReportV3';
  readonly checksum: number;
  readonly records: readonly IgmpGroupRecord[];
}

/** Any other type: the second byte and the bytes after the checksum as read. */
export interface IgmpOtherRepr {
  readonly kind: 'other';
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  readonly data: Uint8Array;
}

/** A parsed IGMP message. Bytes after the message proper (Ethernet padding) are ignored. */
export type IgmpRepr = IgmpQueryRepr | IgmpQueryV3Repr | IgmpGroupMessageRepr | IgmpReportV3Repr | IgmpOtherRepr;

/** The value of an IGMPv3 max resp code or QQIC [RFC 3376 §4.1.1, §4.1.7]: below 128 as is, else the float format. */
export function igmpv3CodeValue(code: number): number {
  return code < 128 ? code : ((code & 0x0f) | 0x10) << (((code >>> 4) & 0x07) + 3);
}

/** The message length of `repr`. */
export function igmpLen(repr: IgmpRepr): number {
  switch (repr.kind) {
    case 'membershipQueryV3':
      return IGMPV3_QUERY_LEN + 4 * repr.sources.length;
    case 'membershipReportV3': {
      let length = IGMP_HEADER_LEN;
      for (const record of repr.records) length += 8 + 4 * record.sources.length + record.auxData.length;
      return length;
    }
    case 'other':
      return 4 + repr.data.length;
    default:
      return IGMP_HEADER_LEN;
  }
}

function readAddresses(bytes: Uint8Array, at: number, count: number): Ipv4Address[] {
  const list: Ipv4Address[] = [];
  for (let i = 0; i < count; i++) list.push(readIpv4(bytes, at + 4 * i));
  return list;
}

function truncated(needed: number, available: number): { ok: false; error: WireError } {
  return err({ kind: 'truncated', protocol: 'igmp', needed, available });
}

/** Parses an IGMP message (the IP payload); a v3 query or report whose counts run past the bytes is truncated. */
export function parseIgmp(bytes: Uint8Array): Result<IgmpRepr, WireError> {
  if (bytes.length < IGMP_HEADER_LEN) return truncated(IGMP_HEADER_LEN, bytes.length);
  const type = bytes[Field.type]!;
  const code = bytes[Field.code]!;
  const checksum = read16(bytes, Field.checksum);
  switch (type) {
    case IgmpType.MembershipQuery: {
      if (bytes.length < IGMPV3_QUERY_LEN) return ok({ kind: 'membershipQuery', maxRespTime: code, checksum, group: readIpv4(bytes, Field.group) });
      const count = read16(bytes, Field.numberOfSources);
      const needed = IGMPV3_QUERY_LEN + 4 * count;
      if (bytes.length < needed) return truncated(needed, bytes.length);
      const flags = bytes[Field.flags]!;
      return ok({
        kind: 'membershipQueryV3',
        maxRespCode: code,
        checksum,
        group: readIpv4(bytes, Field.group),
        suppressRouterProcessing: (flags & 0x08) !== 0,
        robustness: flags & 0x07,
        queryIntervalCode: bytes[Field.qqic]!,
        sources: readAddresses(bytes, Field.sources, count),
      });
    }
    case IgmpType.MembershipReportV1:
    case IgmpType.MembershipReportV2:
    case IgmpType.LeaveGroup:
      return ok({
        kind: type === IgmpType.MembershipReportV1 ? 'membershipReportV1' : type === IgmpType.MembershipReportV2 ? 'membershipReportV2' : 'leaveGroup',
        maxRespTime: code,
        checksum,
        group: readIpv4(bytes, Field.group),
      });
    case IgmpType.MembershipReportV3: {
      const count = read16(bytes, Field.numberOfRecords);
      const records: IgmpGroupRecord[] = [];
      let at: number = Field.records;
      for (let i = 0; i < count; i++) {
        if (bytes.length < at + 8) return truncated(at + 8, bytes.length);
        const sources = read16(bytes, at + 2);
        const auxEnd = at + 8 + 4 * sources + 4 * bytes[at + 1]!;
        if (bytes.length < auxEnd) return truncated(auxEnd, bytes.length);
        records.push({
          recordType: bytes[at]!,
          multicastAddress: readIpv4(bytes, at + 4),
          sources: readAddresses(bytes, at + 8, sources),
          auxData: bytes.subarray(at + 8 + 4 * sources, auxEnd),
        });
        at = auxEnd;
      }
      return ok({ kind: 'membershipReportV3', checksum, records });
    }
    default:
      return ok({ kind: 'other', type, code, checksum, data: bytes.subarray(4) });
  }
}

/**
 * Writes `repr` at `offset`; with `'full'` the checksum is computed over the message, with `'keep'`
 * `repr.checksum` is written. Reserved fields are written as zero. Returns `igmpLen(repr)`.
 */
export function emitIgmp(repr: IgmpRepr, buffer: Uint8Array, offset = 0, checksum: HeaderChecksumMode = 'full'): number {
  let end = offset + IGMP_HEADER_LEN;
  switch (repr.kind) {
    case 'membershipQuery':
      buffer[offset] = IgmpType.MembershipQuery;
      buffer[offset + Field.code] = repr.maxRespTime;
      writeIpv4(buffer, offset + Field.group, repr.group);
      break;
    case 'membershipReportV1':
    case 'membershipReportV2':
    case 'leaveGroup':
      buffer[offset] =
        repr.kind === 'membershipReportV1' ? IgmpType.MembershipReportV1 : repr.kind === 'membershipReportV2' ? IgmpType.MembershipReportV2 : IgmpType.LeaveGroup;
      buffer[offset + Field.code] = repr.maxRespTime;
      writeIpv4(buffer, offset + Field.group, repr.group);
      break;
    case 'membershipQueryV3':
      buffer[offset] = IgmpType.MembershipQuery;
      buffer[offset + Field.code] = repr.maxRespCode;
      writeIpv4(buffer, offset + Field.group, repr.group);
      buffer[offset + Field.flags] = (repr.suppressRouterProcessing ? 0x08 : 0) | (repr.robustness & 0x07);
      buffer[offset + Field.qqic] = repr.queryIntervalCode;
      write16(buffer, offset + Field.numberOfSources, repr.sources.length);
      end = offset + Field.sources;
      for (const source of repr.sources) {
        writeIpv4(buffer, end, source);
        end += 4;
      }
      break;
    case 'membershipReportV3':
      buffer[offset] = IgmpType.MembershipReportV3;
      buffer[offset + Field.code] = 0;
      write16(buffer, offset + 4, 0);
      write16(buffer, offset + Field.numberOfRecords, repr.records.length);
      for (const record of repr.records) {
        buffer[end] = record.recordType;
        buffer[end + 1] = record.auxData.length >>> 2;
        write16(buffer, end + 2, record.sources.length);
        writeIpv4(buffer, end + 4, record.multicastAddress);
        end += 8;
        for (const source of record.sources) {
          writeIpv4(buffer, end, source);
          end += 4;
        }
        buffer.set(record.auxData, end);
        end += record.auxData.length;
      }
      break;
    case 'other':
      buffer[offset] = repr.type;
      buffer[offset + Field.code] = repr.code;
      placePayload(repr.data, buffer, offset + 4);
      end = offset + 4 + repr.data.length;
      break;
  }
  write16(buffer, offset + Field.checksum, checksum === 'keep' ? repr.checksum : 0);
  if (checksum === 'full') write16(buffer, offset + Field.checksum, internetChecksum(buffer, offset, end));
  return end - offset;
}

/** Judges the checksum of the message in `bytes` (all of them, as tcpdump's igmp_print() does). */
export function checkIgmpChecksum(bytes: Uint8Array): ChecksumCheck {
  return judgeChecksum(read16(bytes, Field.checksum), sum16(bytes));
}
