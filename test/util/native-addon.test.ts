import { closeSync, fstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { nativeAddon } from '../../src/util/native-addon.js';
import { TempFilePool } from '../../src/util/temp-pool.js';

// The addon's createFiles, which fills TempFilePool (the state writer's objects and ref locks, the
// exec agent's outputs files) in one thread-pool job.

const dir = mkdtempSync(join(tmpdir(), 'orbit-native-addon-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('is built and loads here, with createFiles', () => {
  const { addon, why } = nativeAddon();
  expect(why).toMatch(/orbit_native\.node$/);
  expect(addon?.createFiles).toBeTypeOf('function');
});

it('creates files exclusively, in their mode, and never opens one that exists', async () => {
  const createFiles = nativeAddon().addon!.createFiles!;
  // Someone else's file at one of the names (a planted link would be the same): refused, untouched.
  writeFileSync(join(dir, 'taken'), 'not yours\n');
  const names = ['a', 'taken', 'b'].map((n) => join(dir, n));
  const fds = await createFiles(names, 0o444);
  expect(fds[1]).toBe(-17); // -EEXIST
  expect(readFileSync(names[1]!, 'utf8')).toBe('not yours\n');
  for (const i of [0, 2]) {
    const fd = fds[i]!;
    expect(fd).toBeGreaterThan(2);
    // Read-only for everyone from its creation, and still written through its descriptor.
    expect(fstatSync(fd).mode & 0o777).toBe(0o444 & ~process.umask());
    writeSync(fd, `file ${i}`);
    closeSync(fd);
    expect(readFileSync(names[i]!, 'utf8')).toBe(`file ${i}`);
  }
  await expect(createFiles([join(dir, 'missing', 'x')], 0o600)).resolves.toEqual([-2]); // -ENOENT
});

it('fills a TempFilePool that hands out each file once, with what it was given', async () => {
  const pool = new TempFilePool(dir, { size: 4, prefix: 'pool' });
  pool.refill();
  const names = new Set<string>();
  for (let i = 0; i < 12; i++) {
    const name = pool.fill(Buffer.from(`entry ${i}`));
    expect(names.has(name)).toBe(false);
    names.add(name);
    expect(readFileSync(name, 'utf8')).toBe(`entry ${i}`);
    pool.refill();
  }
  await pool.stop();
});
