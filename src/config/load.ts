/**
 * Loading a service: read its files (working tree or git ref), parse, and check everything that can
 * be checked before deploying. Throws `ConfigError` with every diagnostic found.
 */
import { ConfigError, OrbitError } from '../util/errors.js';
import type { Diagnostic } from '../util/errors.js';
import { buildServiceSpec } from './build-spec.js';
import { parseHclFile } from './hcl/parse.js';
import type { ParsedFile } from './hcl/parse.js';
import { serviceDefinitionPath } from '../util/service-files.js';
import { parseServiceId, serviceIdProblem } from '../util/service-name.js';
import { ORBIT_FILE, deployPath, valuesPath } from './paths.js';
import { repoReader, type RepoReader } from './repo-files.js';
import { buildSettings } from './settings.js';
import type { RepoSettings, ServiceSources, ServiceSpec } from './types.js';

export interface LoadOptions {
  /** A git revision to read from instead of the working tree. */
  ref?: string;
  /** Agent kinds steps may use; defaults to exec, docker, http, ack (plus custom agents in HCL). */
  knownAgents?: string[];
}

export interface SourceTexts {
  orbit?: string;
  deploy: string;
  values?: string;
}

export async function listServices(repoDir: string, ref?: string): Promise<string[]> {
  return (await repoReader(repoDir, ref)).services();
}

export async function loadService(
  repoDir: string,
  service: string,
  options: LoadOptions = {},
): Promise<ServiceSpec> {
  const sources = await readServiceSources(repoDir, service, options.ref);
  return loadServiceFromSources(sources, service, { knownAgents: options.knownAgents });
}

/**
 * The texts a service's config is made of (orbit.hcl, its deploy.hcl and values.hcl), read but not
 * parsed: the part of a load that touches the repository (the config evaluator parses elsewhere).
 */
export async function readServiceSources(
  repoDir: string,
  service: string,
  ref?: string,
): Promise<SourceTexts> {
  assertSafeServiceName(service);
  const reader = await repoReader(repoDir, ref);
  const [orbit, deploy, values] = await readAll(reader, [
    ORBIT_FILE,
    deployPath(service),
    valuesPath(service),
  ] as const);
  const inEnvironment = parseServiceId(service).environment !== null;
  const at = ref ? ` at ${ref}` : '';
  // In an environment, the values file is what makes the service; the steps are shared.
  if (inEnvironment ? values === null : deploy === null) {
    const path = serviceDefinitionPath(service);
    throw new OrbitError('E_UNKNOWN_SERVICE', `unknown service "${service}": no ${path}${at}`, {
      service,
      ref: ref ?? null,
    });
  }
  if (deploy === null) {
    throw new ConfigError([
      {
        file: valuesPath(service),
        line: 1,
        column: 1,
        code: 'E_NO_SHARED_DEPLOY',
        message: `${service} has values but no steps: ${deployPath(service)} does not exist${at}`,
      },
    ]);
  }
  return { deploy, ...(orbit !== null ? { orbit } : {}), ...(values !== null ? { values } : {}) };
}

/** The text of orbit.hcl at `ref` (else in the working tree); null when there is none. */
export async function readRepoSettingsSource(repoDir: string, ref?: string): Promise<string | null> {
  return (await repoReader(repoDir, ref)).read(ORBIT_FILE);
}

/** Reads every file; the refusals of all of them (not only the first) make one ConfigError. */
async function readAll<T extends readonly string[]>(
  reader: RepoReader,
  paths: T,
): Promise<{ [K in keyof T]: string | null }> {
  const results = await Promise.allSettled(paths.map((p) => reader.read(p)));
  const refused = results.flatMap((r) =>
    r.status === 'rejected' && r.reason instanceof ConfigError ? r.reason.diagnostics : [],
  );
  const other = results.find((r) => r.status === 'rejected' && !(r.reason instanceof ConfigError));
  if (other?.status === 'rejected') throw other.reason;
  if (refused.length > 0) throw new ConfigError(refused);
  return results.map((r) => (r.status === 'fulfilled' ? r.value : null)) as { [K in keyof T]: string | null };
}

/** Pure: parses and checks the given texts (no file or git access). */
export async function loadServiceFromSources(
  sources: SourceTexts,
  service: string,
  options: Pick<LoadOptions, 'knownAgents'> = {},
): Promise<ServiceSpec> {
  assertSafeServiceName(service);
  const diagnostics: Diagnostic[] = [];
  const files: ServiceSources = { deploy: { path: deployPath(service), text: sources.deploy } };
  if (sources.orbit !== undefined) files.orbit = { path: ORBIT_FILE, text: sources.orbit };
  if (sources.values !== undefined) files.values = { path: valuesPath(service), text: sources.values };

  const parseOne = async (f: { path: string; text: string } | undefined): Promise<ParsedFile | null> => {
    if (!f) return null;
    const r = await parseHclFile(f.path, f.text);
    diagnostics.push(...r.diagnostics);
    return r.parsed;
  };
  const orbit = await parseOne(files.orbit);
  const deploy = await parseOne(files.deploy);
  const values = await parseOne(files.values);
  const settings = buildSettings(orbit, diagnostics);
  if (!deploy) throw new ConfigError(sortDiagnostics(diagnostics));
  const spec = buildServiceSpec(
    { service, deploy, values, settings, sources: files, knownAgents: options.knownAgents },
    diagnostics,
  );
  if (diagnostics.length > 0) throw new ConfigError(sortDiagnostics(diagnostics));
  return spec;
}

export async function loadRepoSettings(repoDir: string, ref?: string): Promise<RepoSettings> {
  return repoSettingsFromSource(await readRepoSettingsSource(repoDir, ref));
}

/** Pure: settings from the text of orbit.hcl (null: no such file, all defaults). */
export async function repoSettingsFromSource(text: string | null): Promise<RepoSettings> {
  const diagnostics: Diagnostic[] = [];
  let parsed: ParsedFile | null = null;
  if (text !== null) {
    const r = await parseHclFile(ORBIT_FILE, text);
    diagnostics.push(...r.diagnostics);
    parsed = r.parsed;
  }
  const settings = buildSettings(parsed, diagnostics);
  if (diagnostics.length > 0) throw new ConfigError(sortDiagnostics(diagnostics));
  return settings;
}

/** The directory names make the service id: a bad one is reported at 1:1 of the file that names it. */
function assertSafeServiceName(service: string): void {
  const problem = serviceIdProblem(service);
  if (problem) {
    throw new ConfigError([
      {
        file: serviceDefinitionPath(service),
        line: 1,
        column: 1,
        code: 'E_UNSAFE_SERVICE_NAME',
        message: `service name ${JSON.stringify(service)} ${problem}`,
      },
    ]);
  }
}

/** Orders by file (orbit.hcl, deploy.hcl, values.hcl), then line and column. */
export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const rank = (f: string): number =>
    f === ORBIT_FILE ? 0 : f.endsWith('/deploy.hcl') ? 1 : f.endsWith('/values.hcl') ? 2 : 3;
  return [...ds].sort(
    (a, b) =>
      rank(a.file) - rank(b.file) || a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column,
  );
}
