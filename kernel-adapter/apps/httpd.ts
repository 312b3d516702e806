/**
 * twinnet's `httpd PORT` for the kernel: the same program as the simulator's sim/apps/httpd.ts, on node:net, run by
 * the kernel adapter inside a namespace (`node --import tsx kernel-adapter/apps/httpd.ts PORT`). It listens on every
 * address (backlog 511, SO_REUSEADDR as libuv sets it), answers each connection's request once with the bytes of
 * core/wire/http.ts, ends its side, and logs one line per request on stdout. It runs until stopped.
 */
import { createServer, type Socket } from 'node:net';
import { buildReply, firstLine, logLine, parseRequestHead, type RequestHead } from '../../core/wire/http.ts';
import { strerror } from './errno.ts';

const arg = process.argv[2];
if (process.argv.length !== 3 || arg === undefined || !/^[0-9]+$/.test(arg) || Number(arg) < 1 || Number(arg) > 65535) {
  process.stderr.write(arg === undefined || process.argv.length !== 3 ? 'httpd: usage: httpd PORT\n' : `httpd: invalid port "${arg}"\n`);
  process.exit(1);
}
const port = Number(arg);

function serve(socket: Socket): void {
  let received: Buffer = Buffer.alloc(0);
  let answered = false;
  const client = socket.remoteAddress ?? '';
  const answer = (head: RequestHead): void => {
    answered = true;
    const reply = buildReply(head, socket.localAddress ?? '', socket.localPort ?? port, client);
    socket.write(reply.bytes);
    process.stdout.write(logLine(client, head, reply));
    socket.end();
  };
  socket.on('data', (data: Buffer) => {
    if (answered) return;
    received = Buffer.concat([received, data]);
    const head = parseRequestHead(received);
    if (head.kind !== 'incomplete') answer(head);
  });
  socket.on('end', () => {
    // The peer is done: a request cut short gets 400; then the connection goes.
    if (!answered && received.length > 0) answer({ kind: 'bad', text: firstLine(received.toString()) });
    socket.end();
  });
  socket.on('error', () => socket.destroy());
}

const server = createServer({ allowHalfOpen: true }, serve);
server.on('error', (e) => {
  process.stderr.write(`httpd: cannot listen on port ${port}: ${strerror(e)}\n`);
  process.exit(1);
});
server.listen({ port, host: '0.0.0.0', backlog: 511 });
