import type Docker from 'dockerode';
import { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';
import { MAX_OUTPUTS_BYTES } from './outputs-file.js';

/** ORBIT_OUTPUT inside a container: a file in the container's own filesystem, not a bind mount. */
export const CONTAINER_OUTPUT_FILE = '/orbit/output';

/**
 * Puts an empty, world-writable ORBIT_OUTPUT file into a created container (before it starts), so
 * the file lives in the container, wherever the engine is: nothing of Orbit's machine is mounted,
 * which also holds when Orbit itself runs in a container beside the engine.
 */
export async function seedOutputsFile(container: Docker.Container): Promise<void> {
  const tar = pack();
  tar.entry({ name: 'orbit/', type: 'directory', mode: 0o777 });
  tar.entry({ name: 'orbit/output', type: 'file', mode: 0o666 }, '');
  tar.finalize();
  await container.putArchive(await collect(tar as unknown as AsyncIterable<Buffer>), { path: '/' });
}

/** The ORBIT_OUTPUT file's text after the container exited (empty when it was deleted), up to 1 MiB. */
export async function readOutputsFile(container: Docker.Container): Promise<string> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = await container.getArchive({ path: CONTAINER_OUTPUT_FILE });
  } catch {
    // The step removed the file (or its folder): no outputs, not an error.
    return '';
  }
  const entries = extract();
  Readable.from(archive as AsyncIterable<Buffer>).pipe(entries);
  for await (const entry of entries) {
    if (entry.header.type !== 'file') {
      entry.resume();
      continue;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of entry as AsyncIterable<Buffer>) {
      if (size < MAX_OUTPUTS_BYTES) chunks.push(chunk);
      size += chunk.length;
    }
    return Buffer.concat(chunks).subarray(0, MAX_OUTPUTS_BYTES).toString('utf8');
  }
  return '';
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
