import { parseDeploymentId } from '../state/index.js';

/** Readable ids: deployments are `<service>-<n>`, steps `<deployment>/<index>-<name>`. */
export const deploymentId = (service: string, sequence: number): string => `${service}-${sequence}`;

export const stepId = (deployId: string, index: number, name: string): string =>
  `${deployId}/${index}-${name}`;

/** `waffle-12` → `waffle`; null for what is not a deployment id. */
export const serviceOfDeployment = (deployId: string): string | null =>
  parseDeploymentId(deployId)?.service ?? null;
