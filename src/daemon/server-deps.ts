import type { AckBroker } from '../agents/ack-broker.js';
import type { Engine } from '../engine/engine.js';
import type { EntryFeed } from './entry-feed.js';
import type { Authenticator } from './identity/authenticator.js';
import type { TargetHealth } from '../notify/queue.js';
import type { Logger } from './logger.js';
import type { DaemonMetrics } from './metrics.js';
import type { RecentPushers } from './recent-pushers.js';
import type { SyncLoop } from './sync-loop.js';

/** What the HTTP API's plugins are given. */
export interface ServerDeps {
  engine: Engine;
  acks: AckBroker;
  sync: SyncLoop;
  metrics: DaemonMetrics;
  log: Logger;
  /** Who is calling: tokens file, OIDC, the deprecated shared token. */
  auth: Authenticator;
  /** Who pushed recent commits (push webhooks): approvals refuse them as they refuse authors. */
  pushers: RecentPushers;
  /** The entries as they are written, for the dashboard's live stream. */
  entries: EntryFeed;
  webhookSecret: string | null;
  bodyLimit: number;
  /** True once SIGTERM/SIGINT arrived: state-changing routes answer 503. */
  stopping(): boolean;
  /** Per notification target: deliveries, give-ups, the current failure (docs/notifications.md). */
  notify?(): Record<string, TargetHealth>;
  /** Daemon facts for /healthz. */
  info(): Record<string, unknown>;
}
