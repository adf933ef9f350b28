/**
 * What a broker still holds for a destination: the leftovers check of the reliability suite.
 * RabbitMQ: `rabbitmqctl list_queues` (through scripts/brokers.sh). ActiveMQ (JMX is off and
 * the Debian build lacks the JSON map transformation the statistics plugin would need): a
 * STOMP queue browser, which sees every message the broker still holds and has not expired.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { openStompSession } from '../../src/index.js';

/** Messages held in each queue whose name contains `fragment`; a queue absent from the map does not exist. */
export async function rabbitQueues(fragment: string): Promise<Map<string, number>> {
  const { stdout } = await promisify(execFile)('bash', ['scripts/brokers.sh', 'queues']);
  const out = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const [name, count] = line.split('\t');
    if (name && name.includes(fragment)) out.set(name, Number(count));
  }
  return out;
}

/** Messages an ActiveMQ queue browser sees on `destination` (`/queue/...`). */
export async function activemqBrowse(url: string, destination: string, ms = 3000): Promise<number> {
  const s = await openStompSession(url, { login: 'guest', passcode: 'guest' });
  try {
    let count = 0;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      s.subscribe(destination, (m) => {
        if (m.headers['browser'] === 'end') { clearTimeout(timer); resolve(); return; }
        count++;
      }, { ack: 'auto', headers: { browser: 'true' } });
    });
    return count;
  } finally {
    await s.disconnect();
  }
}
