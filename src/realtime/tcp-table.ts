// The kernel's TCP table as Linux prints it in /proc/net/tcp and /proc/net/tcp6: for a connection,
// how many sent bytes are still unacknowledged and how many retransmission timeouts have passed
// without an ACK. Node sees neither: its buffer drains into the kernel at once.
import { isIPv4, isIPv6 } from 'node:net';
import { endianness } from 'node:os';

export type TcpTableName = 'tcp' | 'tcp6';

/** A connection as its line in the table spells it: "LOCAL:PORT REMOTE:PORT" in the kernel's hex. */
export interface TcpKey {
  readonly table: TcpTableName;
  readonly key: string;
}

export interface TcpState {
  /** Bytes sent or queued and not yet acknowledged by the peer. */
  readonly txQueue: number;
  /** The retransmission timer is running (the table's `tr` is 1). */
  readonly retransmitTimer: boolean;
  /**
   * The zero-window probe timer is running (`tr` is 4): the peer's receive window is shut, so what is
   * queued waits for it to read, or for a peer that is gone.
   */
  readonly probeTimer: boolean;
  /** Retransmission timeouts since the peer last acknowledged anything (`retrnsmt`). */
  readonly retransmits: number;
}

const LITTLE_ENDIAN = endianness() === 'LE';

/** The key for a connection from its socket's addresses, or undefined for an address it cannot place. */
export function tcpKey(localAddress: string, localPort: number, remoteAddress: string, remotePort: number): TcpKey | undefined {
  const local = addressBytes(localAddress);
  const remote = addressBytes(remoteAddress);
  if (!local || !remote || local.length !== remote.length) return undefined;
  // Joined from its parts: a key is kept for the connection's life, and one built by concatenation
  // would be held as a tree of its pieces.
  const parts: string[] = [];
  hexWords(local, parts);
  parts.push(':', hexPort(localPort), ' ');
  hexWords(remote, parts);
  parts.push(':', hexPort(remotePort));
  return { table: local.length === 4 ? 'tcp' : 'tcp6', key: parts.join('') };
}

/** `0` then `1` or `4`: the `tr` column of a connection whose retransmission or zero-window probe timer is running. */
const ZERO = 0x30;
const ONE = 0x31;
const FOUR = 0x34;

/**
 * Calls `found` for each whole line of `text` whose connection is in `wanted`, and returns what
 * follows the last newline: the start of a line the next chunk of the table completes. The header
 * matches no key. The columns after `sl:` have fixed widths, so a line is read by offsets. With
 * `retransmittingOnly`, lines whose retransmission or zero-window probe timer is not running are
 * passed over unread: on a busy node that is nearly every line, and the sweep runs every few seconds.
 */
export function scanTcpLines<T>(text: string, table: TcpTableName, wanted: ReadonlyMap<string, T>, found: (value: T, state: TcpState) => void, retransmittingOnly = false): string {
  const keyLength = table === 'tcp' ? 27 : 75;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    if (end < 0) return text.slice(start);
    const k = text.indexOf(':', start) + 2;
    const timer = text.charCodeAt(k + keyLength + 23);
    const running = retransmittingOnly ? text.charCodeAt(k + keyLength + 22) === ZERO && (timer === ONE || timer === FOUR) : true;
    if (running && k > 1 && k + keyLength + 42 <= end) {
      const value = wanted.get(text.slice(k, k + keyLength));
      if (value !== undefined) {
        const f = k + keyLength;
        // `tm->when` is at least 8 digits wide, not exactly: `retrnsmt` starts after the next space.
        const r = text.indexOf(' ', f + 25) + 1;
        found(value, {
          txQueue: parseInt(text.slice(f + 4, f + 12), 16),
          retransmitTimer: text.slice(f + 22, f + 24) === '01',
          probeTimer: text.slice(f + 22, f + 24) === '04',
          retransmits: parseInt(text.slice(r, r + 8), 16),
        });
      }
    }
    start = end + 1;
  }
}

/** Each byte's two uppercase hex digits, as the kernel prints them. */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));

function hexPort(port: number): string {
  return (HEX[(port >>> 8) & 0xff] ?? '00') + (HEX[port & 0xff] ?? '00');
}

/** The kernel prints each 32-bit word of an address as a host-order integer; the digits go to `out`. */
function hexWords(bytes: readonly number[], out: string[]): void {
  for (let w = 0; w < bytes.length; w += 4) {
    const order = LITTLE_ENDIAN ? [w + 3, w + 2, w + 1, w] : [w, w + 1, w + 2, w + 3];
    for (const i of order) out.push(HEX[bytes[i] ?? 0] ?? '00');
  }
}

function addressBytes(address: string): number[] | undefined {
  if (isIPv4(address)) return address.split('.').map(Number);
  const bare = address.split('%')[0] ?? '';
  if (!isIPv6(bare)) return undefined;
  return ipv6Bytes(bare);
}

/** 16 bytes of an IPv6 address, `::` and an embedded IPv4 tail (`::ffff:1.2.3.4`) included. */
function ipv6Bytes(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const groups = (part: string): number[] => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.includes('.')) {
        const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
        out.push((a << 8) | b, (c << 8) | d);
      } else out.push(parseInt(g, 16));
    }
    return out;
  };
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return words.flatMap((w) => [w >> 8, w & 0xff]);
}
