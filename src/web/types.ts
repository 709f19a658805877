/** The shapes of the API answers the page reads (the daemon's own types are Node-side). */
export interface Action {
  agent: string;
  args: string[];
  env: Record<string, string>;
  params: Record<string, unknown>;
}

export interface Step {
  step_id: string;
  step_name: string;
  step_index: number;
  status: string;
  agent: string;
  forward_action: Action | null;
  reverse_action: Action | null;
  outputs: Record<string, string>;
  exit_code: number | null;
  started_time: string;
  duration_ms: number | null;
  reverse_duration_ms: number | null;
  error: { code: string; message: string } | null;
  log?: string;
}

export interface Deployment {
  deploy_id: string;
  service_id: string;
  status: string;
  config_commit: string | null;
  author: string;
  started_time: string;
  finished_time: string | null;
  previous_deploy_id: string | null;
  replaced_by: string | null;
  values: Record<string, unknown> | null;
  steps: Step[];
  checks?: Record<string, { time: string; [k: string]: unknown }>;
  error: { code: string; message: string } | null;
}

export interface WaitingAck {
  deployId: string;
  stepName: string;
  approvers?: string[];
}

export interface ServiceStatus {
  service: string;
  sync: string;
  health: string;
  hold: { message: string } | null;
  current: { id: string; status: string; author: string; finished_time: string | null } | null;
  latest: string | null;
  redeployable: string | null;
  in_flight: string | null;
}

export interface Grant {
  role: 'viewer' | 'deployer' | 'approver' | 'admin';
  services: string | null;
}

export interface Whoami {
  name: string;
  grants: Grant[];
}

/** One state-branch commit and the entry it holds (`GET /api/services/:service/history`). */
export interface HistoryItem {
  sha: string;
  entry: { kind: string; deploy_id: string | null; step_name: string | null; applied_time: string };
}

/** `GET /api/deployments/:id/diff`: what changed in services/NAME/ since the previous deployment. */
export interface ConfigDiff {
  deployment: string;
  previous: string | null;
  from: string | null;
  to: string | null;
  command: string | null;
  files: Array<{ path: string; change: 'added' | 'removed' | 'changed' }>;
  patch: string;
}

/** One job of a pending commit, as `orbit preview --json` says it. */
export type PreviewJob =
  | {
      service: string;
      action: 'deploy';
      predicted: string | null;
      replaces: string | null;
      note: string | null;
      steps: Array<{ name: string; agent: string; forward: string[]; reverse: string[] | null }>;
    }
  | {
      service: string;
      action: 'unwind';
      deployment: string | null;
      predicted: string | null;
      note: string | null;
      steps: Array<{ name: string; agent: string; reverse: string[] | null }> | null;
    }
  | { service: string; action: 'none'; note: string }
  | {
      service: string;
      action: 'invalid';
      diagnostics: Array<{ file: string; line: number; column: number; code: string; message: string }>;
    };

/** `GET /api/services/:service/pending`: the commits Orbit has not processed for the service. */
export interface PendingAnswer {
  service: string;
  head: string | null;
  commits: Array<{ sha: string; subject: string; author: string; time: string; jobs: PreviewJob[] }>;
}
