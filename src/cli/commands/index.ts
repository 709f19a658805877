import type { Command } from 'commander';
import { register as ack } from './ack.js';
import { register as daemon } from './daemon.js';
import { register as deploy } from './deploy.js';
import { register as log } from './log.js';
import { register as plan } from './plan.js';
import { register as preview } from './preview.js';
import { register as promote } from './promote.js';
import { register as reconcile } from './reconcile.js';
import { register as redeploy } from './redeploy.js';
import { register as release } from './release.js';
import { register as show } from './show.js';
import { register as status } from './status.js';
import { register as sync } from './sync.js';
import { register as token } from './token.js';
import { register as unwind } from './unwind.js';
import { register as validate } from './validate.js';

/** Every CLI command registers itself here: one line per command module. */
export const commands: Array<(program: Command) => void> = [
  reconcile,
  unwind,
  redeploy,
  deploy,
  sync,
  release,
  status,
  log,
  show,
  validate,
  plan,
  preview,
  promote,
  daemon,
  ack,
  token,
];
