/**
 * `orbit status | head`: once the reader has gone, writes fail with EPIPE. Like git, Orbit then
 * says nothing more, but it does not die mid-command (a deployment in progress runs to its end
 * and is logged); the exit code stays the command's own.
 */
export function quietOnBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    // Nobody reads any more: drop what is still to be written.
    stream.write = (() => true) as typeof stream.write;
  });
}
