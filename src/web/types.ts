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
