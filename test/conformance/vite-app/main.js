// A one-line application bundled by Vite: does the package's `browser` build bundle and run?
import { connect } from 'stomp-streams';

window.__result = (async () => {
  const s = await connect('ws://127.0.0.1:15674/ws', { login: 'guest', passcode: 'guest' });
  const q = `/queue/conformance.vite.${Date.now()}`;
  const receiving = s.receive(q);
  await s.send(q, new TextEncoder().encode('bundled by vite'));
  const text = await new Response((await receiving).readable).text();
  await s.close();
  return text;
})();
