/** Readable ids: deployments are `<service>-<n>`, steps `<deployment>/<index>-<name>`. */
export const deploymentId = (service: string, sequence: number): string => `${service}-${sequence}`;

export const stepId = (deployId: string, index: number, name: string): string =>
  `${deployId}/${index}-${name}`;

/** `waffle-12` → `waffle`. Service names are safe path segments and may themselves contain `-`. */
export function serviceOfDeployment(deployId: string): string | null {
  const m = /^(.+)-(\d+)$/.exec(deployId);
  return m?.[1] ?? null;
}
