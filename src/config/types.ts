/**
 * The data the config layer hands to the engine. Loading reads files; everything after
 * (`resolveVariables`, `renderStep`, `renderPlan`) is pure: no I/O.
 */
import type { SourceLocation } from '../util/errors.js';

export type DeployPolicy = 'queue' | 'supersede';

export interface VariableDecl {
  name: string;
  description?: string;
  default?: unknown;
  allowed?: unknown[];
  type?: string;
  sensitive: boolean;
  location: SourceLocation;
}

/** Generated constants, the `orbit.*` scope. */
export interface OrbitScope {
  deployment_id: string;
  service: string;
  commit: string;
  author: string;
  timestamp: string;
  sequence: number;
}

export interface RenderContext {
  orbit: OrbitScope;
  /** `previous.id` and `previous.var.*`: the deployment being replaced; null when there is none. */
  previous: { id: string; var: Record<string, unknown> } | null;
  /** `step.<name>.output.*`: outputs of steps already applied in this deployment. */
  stepOutputs: Record<string, Record<string, string>>;
}

/** One step with every interpolation resolved: what the executor runs. */
export interface RenderedStep {
  name: string;
  /** 0-based position in the deployment. */
  index: number;
  agent: string;
  forward: string[];
  /** null: the step has no reverse action (a recorded no-op on unwind). */
  reverse: string[] | null;
  env: Record<string, string>;
  timeoutMs: number;
  /** Agent-specific attributes (image, url, method, body, mounts, ...), rendered. */
  params: Record<string, unknown>;
}
