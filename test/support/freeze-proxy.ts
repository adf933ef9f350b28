/**
 * A loopback TCP proxy in front of a real broker that can be frozen (stops forwarding in both
 * directions, keeps the sockets open) — how a hung peer or a dead network looks to a client.
 */
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';

export interface FreezeProxy {
  /** Port the proxy listens on (127.0.0.1). */
  port: number;
  /** Stop forwarding; sockets stay open. */
  freeze(): void;
  /** Close the proxy and every socket. */
  close(): Promise<void>;
}

export async function startFreezeProxy(targetPort: number): Promise<FreezeProxy> {
  const sockets: Socket[] = [];
  let frozen = false;
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    sockets.push(client, upstream);
    const pipe = (from: Socket, to: Socket) => from.on('data', (d) => { if (!frozen) to.write(d); });
    pipe(client, upstream);
    pipe(upstream, client);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    freeze: () => { frozen = true; },
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}
