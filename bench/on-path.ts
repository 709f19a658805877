/** Where a program is on PATH (as `command -v` finds it, builtins aside), or null. */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

export function onPath(program: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const full = path.join(dir, program);
    try {
      accessSync(full, constants.X_OK);
      if (statSync(full).isFile()) return full;
    } catch {
      // not here
    }
  }
  return null;
}
