/**
 * glibc's strerror() text for the errno names Node reports on socket errors (`err.code`), as twinnet's httpd and
 * curl print them on both engines (the simulator's l3/socket.ts Errno has the same words).
 */
const STRERROR: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  ENETUNREACH: 'Network is unreachable',
  EHOSTUNREACH: 'No route to host',
  EHOSTDOWN: 'Host is down',
  ENONET: 'Machine is not on the network',
  ENOPROTOOPT: 'Protocol not available',
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  EPIPE: 'Broken pipe',
  EPROTO: 'Protocol error',
  EINVAL: 'Invalid argument',
};

/** The strerror() text of a Node system error. */
export function strerror(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return (e.code && STRERROR[e.code]) ?? e.message;
}
