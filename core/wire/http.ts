/**
 * The bytes of twinnet's own HTTP/1.1 pair, `httpd PORT` and `curl http://ADDR[:PORT][/PATH]` [RFC 9112]: one request,
 * one response, then the server closes. The simulator's processes (sim/apps/httpd.ts, sim/apps/curl.ts) and the
 * kernel adapter's Node programs (kernel-adapter/apps/) build and read exactly these, so that both engines put the
 * same bytes on the wire.
 *
 * Request, all in one write:
 *
 *     GET /PATH HTTP/1.1\r\n
 *     Host: ADDR[:PORT]\r\n          (the port only when it is not 80, as curl writes it)
 *     User-Agent: twinnet-curl/1\r\n
 *     Accept: *\/*\r\n
 *     Connection: close\r\n
 *     \r\n
 *
 * Response to a GET or HEAD of any path, all in one write, then FIN:
 *
 *     HTTP/1.1 200 OK\r\n
 *     Content-Type: text/plain\r\n
 *     Content-Length: N\r\n
 *     Connection: close\r\n
 *     \r\n
 *     hello from SERVER port PORT: you are CLIENT, you asked for /PATH\n
 *
 * SERVER and PORT are the connection's local address and port as the server sees them, CLIENT the peer's address
 * (after any NAT on the way: a MASQUERADEd client shows as its router). Other methods get 405, a request that is not
 * HTTP/1.x 400, each with a one-line body.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The largest request head the server reads before answering 400. */
export const MAX_REQUEST_HEAD = 8192;

/** The request twinnet's curl sends for `http://ADDR[:PORT]PATH`. */
export function buildRequest(host: string, port: number, path: string): Uint8Array {
  const hostHeader = port === 80 ? host : `${host}:${port}`;
  return encoder.encode(`GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: twinnet-curl/1\r\nAccept: */*\r\nConnection: close\r\n\r\n`);
}

/** A request line taken apart. */
export interface RequestLine {
  readonly method: string;
  readonly target: string;
  readonly version: string;
  /** The line as received, for the server's log. */
  readonly text: string;
}

/** What the bytes received so far hold: not yet a whole head, a bad one, or a request line. */
export type RequestHead = { readonly kind: 'incomplete' } | { readonly kind: 'bad'; readonly text: string } | { readonly kind: 'request'; readonly line: RequestLine };

/** Reads a request head (up to the empty line) from the bytes received so far. */
export function parseRequestHead(bytes: Uint8Array): RequestHead {
  const text = decoder.decode(bytes);
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return bytes.length > MAX_REQUEST_HEAD ? { kind: 'bad', text: firstLine(text) } : { kind: 'incomplete' };
  const line = firstLine(text);
  const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(line);
  if (!m) return { kind: 'bad', text: line };
  return { kind: 'request', line: { method: m[1]!, target: m[2]!, version: m[3]!, text: line } };
}

/** The first line, without its end (CRLF, or a bare LF from a tool such as nc). */
export function firstLine(text: string): string {
  const m = /\r?\n/.exec(text);
  return m ? text.slice(0, m.index) : text;
}

/** The server's answer to a request line (or to bytes that are not one), and its log fields. */
export interface Reply {
  readonly status: number;
  readonly bytes: Uint8Array;
  readonly bodyLength: number;
}

const REASONS: Readonly<Record<number, string>> = { 200: 'OK', 400: 'Bad Request', 405: 'Method Not Allowed' };

/** The response of twinnet's httpd, given what the connection looks like from the server. */
export function buildReply(head: RequestHead, server: string, port: number, client: string): Reply {
  let status: number;
  let body: string;
  if (head.kind !== 'request') {
    status = 400;
    body = 'bad request\n';
  } else if (head.line.method !== 'GET' && head.line.method !== 'HEAD') {
    status = 405;
    body = 'method not allowed\n';
  } else {
    status = 200;
    body = `hello from ${server} port ${port}: you are ${client}, you asked for ${head.line.target}\n`;
  }
  const bodyBytes = encoder.encode(body);
  const send = head.kind === 'request' && head.line.method === 'HEAD' ? new Uint8Array(0) : bodyBytes;
  const headBytes = encoder.encode(`HTTP/1.1 ${status} ${REASONS[status]}\r\nContent-Type: text/plain\r\nContent-Length: ${bodyBytes.length}\r\nConnection: close\r\n\r\n`);
  const bytes = new Uint8Array(headBytes.length + send.length);
  bytes.set(headBytes);
  bytes.set(send, headBytes.length);
  return { status, bytes, bodyLength: send.length };
}

/** The line httpd prints on stdout per request: `CLIENT "REQUEST LINE" STATUS BYTES` (Common Log Format without the date). */
export function logLine(client: string, head: RequestHead, reply: Reply): string {
  const line = head.kind === 'incomplete' ? '-' : head.kind === 'bad' ? head.text : head.line.text;
  return `${client} "${line}" ${reply.status} ${reply.bodyLength}\n`;
}

/** A response as curl reads it: the status, and the body (what follows the head). */
export type Response = { readonly kind: 'response'; readonly status: number; readonly body: Uint8Array } | { readonly kind: 'empty' } | { readonly kind: 'not http' };

/** Reads a whole response (the server closed the connection after it). */
export function parseResponse(bytes: Uint8Array): Response {
  if (bytes.length === 0) return { kind: 'empty' };
  const text = decoder.decode(bytes.subarray(0, Math.min(bytes.length, 8192)));
  const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(text);
  if (!m) return { kind: 'not http' };
  const end = text.indexOf('\r\n\r\n');
  const headLength = end < 0 ? bytes.length : encoder.encode(text.slice(0, end + 4)).length;
  const length = /\r\nContent-Length: *(\d+)\r\n/i.exec(text.slice(0, end < 0 ? text.length : end + 2));
  const body = bytes.subarray(headLength, length ? Math.min(bytes.length, headLength + Number(length[1])) : bytes.length);
  return { kind: 'response', status: Number(m[1]), body };
}
