import { describe, expect, it } from 'vitest';
import { parseListing } from '../../src/git/tree-listing.js';

describe('parseListing', () => {
  it('reads mode, type, oid and a path holding spaces, tabs and non-ASCII', () => {
    const blob = 'a'.repeat(40);
    const tree = 'b'.repeat(64);
    const out = Buffer.from(
      `100644 blob ${blob}\tservices/web/deploy.hcl\0` +
        `040000 tree ${tree}\tservices/caf\u00e9 bar\0` +
        `160000 commit ${blob}\tvendor/x\ty\0`,
    );
    expect([...parseListing(out)]).toEqual([
      ['services/web/deploy.hcl', { mode: '100644', type: 'blob', oid: blob }],
      ['services/caf\u00e9 bar', { mode: '040000', type: 'tree', oid: tree }],
      ['vendor/x\ty', { mode: '160000', type: 'commit', oid: blob }],
    ]);
  });
});
