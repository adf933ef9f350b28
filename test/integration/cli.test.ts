/**
 * The CLI (the main job) as a user runs it: real processes against a real broker.
 */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { connect } from '../../src/index.js';
import { randomBytes, uniqueQueue } from '../support/endpoints.js';

const URL = 'tcp://127.0.0.1:61623';
const env = { ...process.env, STOMP_STREAMS_LOGIN: 'guest', STOMP_STREAMS_PASSCODE: 'guest' };

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('stomp-streams CLI', () => {
  it('send and receive move a file byte-exact and report the same sha256', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ss-cli-'));
    try {
      const data = randomBytes(3 * 1024 * 1024 + 11, 4);
      await writeFile(join(dir, 'in.bin'), data);
      const q = uniqueQueue('cli');
      const receiving = cli(['receive', '--url', URL, '--from', q, '--out', join(dir, 'out'), '--count', '1']);
      const sent = await cli(['send', join(dir, 'in.bin'), '--url', URL, '--to', q]);
      const received = await receiving;
      expect(sent.code).toBe(0);
      expect(received.code).toBe(0);
      const sha = createHash('sha256').update(data).digest('hex');
      expect(sent.stdout).toContain(`sha256 ${sha}`);
      expect(received.stderr).toContain(`sha256 ${sha} verified`);
      expect(Buffer.compare(await readFile(join(dir, 'out', 'in.bin')), Buffer.from(data))).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('never writes outside --out, whatever the stream name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ss-cli-'));
    const q = uniqueQueue('cli-names');
    const session = await connect(URL, { login: 'guest', passcode: 'guest' });
    try {
      const names = ['../escape.bin', '/etc/absolute.bin', 'a\u0000b', 'é'.repeat(4000), '..'];
      for (const name of names) await session.send(q, new Uint8Array([1, 2, 3]), { name, delivery: 'complete' });
      const r = await cli(['receive', '--url', URL, '--from', q, '--out', join(dir, 'out'), '--count', String(names.length)]);
      expect(r.code).toBe(0);
      expect((await readdir(dir)).sort()).toEqual(['out']);
      const files = await readdir(join(dir, 'out'));
      expect(files).toHaveLength(names.length);
      for (const f of files) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(200);
    } finally {
      await session.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 on usage errors and 3 when it cannot connect', async () => {
    expect((await cli(['send'])).code).toBe(2);
    expect((await cli(['receive', '--url', URL, '--from', '/queue/x', '--out', '/tmp', '--count', 'zero'])).code).toBe(2);
    expect((await cli(['receive', '--url', 'tcp://127.0.0.1:1', '--from', '/queue/x', '--out', '/tmp/ss-nowhere'])).code).toBe(3);
  });
});
