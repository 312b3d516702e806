/**
 * twinnet's `curl [-s] [-m S] http://ADDR[:PORT][/PATH]` for the kernel: the same program as the simulator's
 * sim/apps/curl.ts, on node:net, run by the kernel adapter inside a namespace. One GET with the bytes of
 * core/wire/http.ts, the body on stdout, and the same exit codes and messages: 7 failed to connect, 28 timed out
 * (-m; the limit is printed, not the time measured), 52 empty reply, 56 receive failure, 1 not HTTP.
 */
import { connect } from 'node:net';
import { formatIpv4 } from '../../core/ipv4.ts';
import { parseScenario } from '../../core/scenario/index.ts';
import { buildRequest, parseResponse } from '../../core/wire/http.ts';
import { strerror } from './errno.ts';

/** The arguments as the scenario parser reads `curl …` (one parser for both engines). */
function parseArgs(args: readonly string[]) {
  const quoted = args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  const parsed = parseScenario(`curl ${quoted}`, { file: 'curl' });
  if (!parsed.ok) {
    process.stderr.write(`${parsed.error.message}\n`);
    process.exit(2);
  }
  const command = parsed.value.form === 'script' ? parsed.value.statements[0]?.pipelines[0]?.commands[0] : undefined;
  if (command?.kind !== 'curl') {
    process.stderr.write('curl: usage: curl [-s] [-m S] http://ADDR[:PORT][/PATH]\n');
    process.exit(2);
  }
  return command;
}

const c = parseArgs(process.argv.slice(2));
const host = formatIpv4(c.address);
let connected = false;
let done = false;
const chunks: Buffer[] = [];
let received = 0;

function end(status: number, message?: string): void {
  if (done) return;
  done = true;
  socket.destroy();
  if (message !== undefined && !c.silent) process.stderr.write(`curl: ${message}\n`);
  process.exitCode = status;
  clearTimeout(timer);
}

const socket = connect({ host, port: c.port });
const timer =
  c.maxTime === undefined
    ? undefined
    : setTimeout(() => {
        const ms = Math.round(c.maxTime! * 1000);
        if (!connected) end(28, `(28) Connection timed out after ${ms} milliseconds`);
        else end(28, `(28) Operation timed out after ${ms} milliseconds with ${received} bytes received`);
      }, Math.round(c.maxTime * 1000));
socket.on('connect', () => {
  connected = true;
  socket.write(buildRequest(host, c.port, c.path));
});
socket.on('data', (data: Buffer) => {
  chunks.push(data);
  received += data.length;
});
socket.on('end', () => {
  const response = parseResponse(new Uint8Array(Buffer.concat(chunks)));
  if (response.kind === 'empty') return end(52, '(52) Empty reply from server');
  if (response.kind === 'not http') return end(1, '(1) Received HTTP/0.9 when not allowed');
  process.stdout.write(response.body);
  end(0);
});
socket.on('error', (e) => {
  const text = strerror(e);
  if (!connected && (e as NodeJS.ErrnoException).code !== 'ECONNRESET') return end(7, `(7) Failed to connect to ${host} port ${c.port}: ${text}`);
  end(56, `(56) Recv failure: ${text === 'Broken pipe' ? 'Connection reset by peer' : text}`);
});
