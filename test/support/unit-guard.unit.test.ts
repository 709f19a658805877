import { execFile, spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';

// The unit tier's guard, tried as the mistakes it catches: a "unit" test that runs git or talks
// to a server fails at once with a message naming the tier to use.
describe('the unit tier guard', () => {
  it('refuses to start a process', () => {
    expect(() => spawn('git', ['--version'])).toThrow(/unit test.*\*\.test\.ts \(git tier\)/);
    expect(() => execFile('git', ['--version'])).toThrow(/child_process\.execFile in a unit test/);
  });

  it('refuses sockets: connecting, listening, fetch', async () => {
    expect(() => net.connect(80, '127.0.0.1')).toThrow(/unit test/);
    expect(() => new net.Socket().connect(80, '127.0.0.1')).toThrow(/unit test/);
    expect(() => net.createServer().listen(0)).toThrow(/unit test/);
    await expect(async () => fetch('http://127.0.0.1:1/')).rejects.toThrow(/fetch in a unit test/);
  });
});
