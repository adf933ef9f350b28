/**
 * An IStompSocket over a plain TCP socket, so @stomp/stompjs can talk to the brokers' STOMP
 * TCP ports in the benchmark. stompjs only needs this small WebSocket-like interface; its
 * parser keeps state across chunks, so TCP segmentation is fine.
 */
import { connect, type Socket } from 'node:net';
import type { IStompSocket } from '@stomp/stompjs';

export function tcpStompSocket(port: number, host = '127.0.0.1'): IStompSocket {
  const socket: Socket = connect(port, host);
  socket.setNoDelay(true);
  const s: IStompSocket & { readyState: number } = {
    url: `tcp://${host}:${port}`,
    binaryType: 'arraybuffer',
    readyState: 0,
    onclose: null,
    onerror: null,
    onmessage: null,
    onopen: null,
    send(data) {
      socket.write(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer));
    },
    close() { socket.end(); },
    terminate() { socket.destroy(); },
  };
  socket.on('connect', () => { s.readyState = 1; s.onopen?.(); });
  socket.on('data', (chunk: Buffer) => {
    // stompjs wants an ArrayBuffer holding exactly the chunk.
    const ab = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength);
    s.onmessage?.({ data: ab });
  });
  socket.on('error', (e) => s.onerror?.(e));
  socket.on('close', () => { s.readyState = 3; s.onclose?.({ code: 1006, reason: 'tcp closed' }); });
  return s;
}
