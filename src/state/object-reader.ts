/** The state log's object reader: the git layer's batch reader, raising the state log's codes. */
import { BatchReader } from '../git/batch-reader.js';

export type { GitObject } from '../git/batch-reader.js';

export class ObjectReader extends BatchReader {
  constructor(gitdir: string) {
    super(gitdir, 'E_STATE_GIT', 'E_STATE_CLOSED');
  }
}
