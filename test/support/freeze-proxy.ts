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
  /** Forward again (new connections too). */
  thaw(): void;
  /** Drop every open connection at once (as a broker crash or a network cut looks); keep listening. */
  cut(): void;
  /** Refuse new connections from now on (destroy them on accept) until `allow()`. */
  refuse(): void;
  /** Accept connections again. */
  allow(): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Close the proxy and every socket. */
  close(): Promise<void>;
}

export async function startFreezeProxy(targetPort: number): Promise<FreezeProxy> {
  const sockets: Socket[] = [];
  let frozen = false;
  let refusing = false;
  let accepted = 0;
  const server: Server = createServer((client) => {
    if (refusing) { client.destroy(); return; }
    accepted++;
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
    thaw: () => { frozen = false; },
    cut: () => { for (const s of sockets.splice(0)) s.destroy(); },
    refuse: () => { refusing = true; },
    allow: () => { refusing = false; },
    get accepted() { return accepted; },
    close: () => new Promise<void>((r) => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
}
