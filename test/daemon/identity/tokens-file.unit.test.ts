import { describe, expect, it } from 'vitest';
import { allows, type Identity } from '../../../src/daemon/identity/roles.js';
import {
  createToken,
  grantsOf,
  matchToken,
  parseTokensFile,
} from '../../../src/daemon/identity/tokens-file.js';
import { isOrbitError } from '../../../src/util/errors.js';

const FILE = '/etc/orbit/tokens';

function parseError(text: string): string {
  try {
    parseTokensFile(text, FILE);
  } catch (err) {
    if (isOrbitError(err, 'E_TOKENS_FILE')) return err.message;
    throw err;
  }
  return expect.fail('parsed');
}

describe('the tokens file', () => {
  it('holds a salted hash, never the token; the token matches its line and nothing else does', async () => {
    const a = await createToken('alice', ['deployer'], 'web-*');
    const b = await createToken('bob', ['viewer'], null);
    const secret = a.token.split('_').pop()!;
    expect(a.line).not.toContain(secret);
    expect(a.line).not.toContain(a.token);
    // Same name and roles twice: different salts, different hashes.
    const again = await createToken('alice', ['deployer'], 'web-*');
    expect(again.line.split(' ')[4]).not.toBe(a.line.split(' ')[4]);

    const lines = parseTokensFile(`# comment\n${a.line}\n\n${b.line}\n`, FILE);
    expect(lines.map((l) => [l.name, l.roles, l.services, l.line])).toEqual([
      ['alice', ['deployer'], 'web-*', 2],
      ['bob', ['viewer'], null, 4],
    ]);
    expect((await matchToken(lines, a.token))?.name).toBe('alice');
    expect((await matchToken(lines, b.token))?.name).toBe('bob');
    // Alice's id with another secret, an unknown id, and no token format at all.
    const [prefix, id] = a.token.split('_');
    expect(await matchToken(lines, `${prefix}_${id}_${'x'.repeat(43)}`)).toBeNull();
    expect(await matchToken(lines, `orbit_${'0'.repeat(18)}_${secret}`)).toBeNull();
    expect(await matchToken(lines, 'not-a-token')).toBeNull();
  });

  it('names the file and line of a malformed entry', async () => {
    const { line } = await createToken('alice', ['admin'], null);
    expect(parseError(`${line}\nbob viewer\n`)).toBe(`${FILE}:2: expected NAME ROLES SERVICES ID HASH`);
    expect(parseError(`# x\n${line.replace('admin', 'root')}\n`)).toMatch(
      new RegExp(`^${FILE}:2: unknown role "root"; roles: viewer, deployer, approver, admin$`),
    );
    expect(parseError(`${line}\n${line}\n`)).toMatch(/:2: token id [0-9a-f]+ is listed twice$/);
    expect(parseError(line.replace(/scrypt\$16384/, 'scrypt$1000'))).toMatch(/:1: the hash must be scrypt/);
    expect(parseError(line.replace(/^alice/, 'al ice'))).toMatch(/:1: expected NAME/);
  });
});

describe('roles', () => {
  const who = (role: Identity['grants'][number]['role'], services: string | null = null): Identity => ({
    name: 'x',
    verifiedBy: 'test',
    grants: [{ role, services }],
    groups: [],
  });

  it('admin covers every role; every role covers viewer; the others cover only themselves', () => {
    expect(allows(who('admin'), 'approver', 'web')).toBe(true);
    expect(allows(who('deployer'), 'viewer', 'web')).toBe(true);
    expect(allows(who('approver'), 'viewer', 'web')).toBe(true);
    expect(allows(who('deployer'), 'approver', 'web')).toBe(false);
    expect(allows(who('approver'), 'deployer', 'web')).toBe(false);
    expect(allows(who('viewer'), 'deployer', 'web')).toBe(false);
  });

  it('a glob limits a grant to the services it matches', () => {
    const scoped = who('deployer', 'web-*');
    expect(allows(scoped, 'deployer', 'web-eu')).toBe(true);
    expect(allows(scoped, 'deployer', 'db')).toBe(false);
    expect(allows(scoped, 'viewer', 'db')).toBe(false);
    // A list route asks for any service: what it shows is filtered per service.
    expect(allows(scoped, 'viewer', null)).toBe(true);
  });

  it("a token line's roles share its services glob", async () => {
    const [line] = parseTokensFile((await createToken('ci', ['deployer', 'approver'], 'api')).line, FILE);
    expect(grantsOf(line!)).toEqual([
      { role: 'deployer', services: 'api' },
      { role: 'approver', services: 'api' },
    ]);
  });
});
