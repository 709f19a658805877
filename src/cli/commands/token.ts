import { appendFileSync, chmodSync, existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createToken, NAME_PATTERN, parseTokensFile } from '../../daemon/identity/tokens-file.js';
import { isRole, ROLES, type Role } from '../../daemon/identity/roles.js';
import { OrbitError } from '../../util/errors.js';

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `orbit token create NAME --role ROLE`: appends the token's salted hash to the tokens file and
 * prints the token once, alone on stdout (so `TOKEN=$(orbit token create ...)` holds just it).
 */
export function register(program: Command): void {
  const token = program
    .command('token')
    .description("manage the daemon's API tokens (the tokens file)")
    .addHelpText(
      'after',
      '\nExample:\n  $ orbit token create ci --role deployer --tokens-file /etc/orbit/tokens',
    );
  token
    .command('create')
    .argument('<name>', 'who holds the token: the author its actions are recorded as')
    .description('create an API token; its salted hash goes into the tokens file, the token is printed once')
    .option('--role <role>', `${ROLES.join(' | ')} (repeatable)`, collect, [])
    .option('--services <glob>', 'limit the roles to services matching this glob (default: all)')
    .option('--tokens-file <file>', 'the tokens file the daemon reads (or ORBIT_TOKENS_FILE)')
    .addHelpText(
      'after',
      '\nExample:\n  $ orbit token create ci --role deployer --services "web-*" --tokens-file /etc/orbit/tokens',
    )
    .action(async (name: string, opts: { role: string[]; services?: string; tokensFile?: string }) => {
      const file = opts.tokensFile ?? process.env.ORBIT_TOKENS_FILE;
      if (!file)
        throw new OrbitError(
          'E_BAD_FLAG',
          'no tokens file: pass --tokens-file FILE (or set ORBIT_TOKENS_FILE)',
        );
      if (!NAME_PATTERN.test(name))
        throw new OrbitError(
          'E_BAD_FLAG',
          `"${name}" is not a token name (letters, digits, _.@+-; up to 100)`,
        );
      if (opts.role.length === 0)
        throw new OrbitError('E_BAD_FLAG', `--role is required: ${ROLES.join(', ')}`);
      const wrong = opts.role.find((r) => !isRole(r));
      if (wrong !== undefined)
        throw new OrbitError('E_BAD_FLAG', `--role ${wrong} is not a role; roles: ${ROLES.join(', ')}`);
      const services = opts.services?.trim() || null;
      if (services !== null && /\s/.test(services))
        throw new OrbitError('E_BAD_FLAG', `--services must be one glob without blanks, got "${services}"`);
      // A file that is already malformed is not made worse: the daemon would refuse it at start.
      const before = existsSync(file) ? readFileSync(file, 'utf8') : null;
      if (before !== null) parseTokensFile(before, file);
      const created = await createToken(name, [...new Set(opts.role)] as Role[], services);
      const header =
        before === null
          ? '# orbit tokens: NAME ROLES SERVICES ID HASH (salted scrypt; no token is stored)\n'
          : '';
      const sep = before && !before.endsWith('\n') ? '\n' : '';
      appendFileSync(file, `${header}${sep}${created.line}\n`, { mode: 0o600 });
      if (before === null) chmodSync(file, 0o600);
      process.stdout.write(`${created.token}\n`);
    });
}
