import type { Command } from 'commander';

export type Register = (program: Command) => void;

/**
 * Every CLI command, by name: one line per command module, imported only when it is the one that
 * runs (or when help lists them all), so `orbit validate` never loads the engine, nor `orbit
 * reconcile` the daemon. The order is the order help lists them in.
 */
export const commands: Record<string, () => Promise<Register>> = {
  reconcile: async () => (await import('./reconcile.js')).register,
  unwind: async () => (await import('./unwind.js')).register,
  redeploy: async () => (await import('./redeploy.js')).register,
  deploy: async () => (await import('./deploy.js')).register,
  sync: async () => (await import('./sync.js')).register,
  release: async () => (await import('./release.js')).register,
  status: async () => (await import('./status.js')).register,
  log: async () => (await import('./log.js')).register,
  show: async () => (await import('./show.js')).register,
  validate: async () => (await import('./validate.js')).register,
  plan: async () => (await import('./plan.js')).register,
  preview: async () => (await import('./preview.js')).register,
  promote: async () => (await import('./promote.js')).register,
  daemon: async () => (await import('./daemon.js')).register,
  ack: async () => (await import('./ack.js')).register,
  token: async () => (await import('./token.js')).register,
};

/** The commands `argv` may run: the named one; none for `--version`; all otherwise (help, a typo). */
export function commandsFor(argv: readonly string[]): string[] {
  const first = argv[0];
  if (first === '-V' || first === '--version') return [];
  return first !== undefined && Object.hasOwn(commands, first) ? [first] : Object.keys(commands);
}
