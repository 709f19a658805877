/**
 * What a service's config is at a commit, as one comparable string: the object ids of its
 * `deploy.hcl` and `values.hcl` (`-` for an absent one), so a revert that restores the deployed
 * files compares equal. Read with one `git ls-tree -r` per commit and kept: commits never change.
 */
import pLimit from 'p-limit';
import { listFiles, type ListedFile } from '../../git/tree-listing.js';
import { isOrbitError } from '../../util/errors.js';
import {
  ENVIRONMENTS_DIR,
  SERVICES_DIR,
  deployPath,
  serviceFileOf,
  servicesOfServiceFiles,
  valuesPath,
  type ServiceFile,
} from '../../util/service-files.js';
import { parseServiceId } from '../../util/service-name.js';

/** A service's two config files at one commit. */
export interface ServiceConfig {
  deploy: ListedFile | null;
  values: ListedFile | null;
}

/** One commit's services: each service with either file, and its config id. */
export interface CommitConfig {
  /** The services the files make (util/service-files.ts: plain, and `<name>@<env>`), sorted. */
  services: string[];
  ids: Map<string, string>;
  files: Map<string, ServiceConfig>;
}

/** Everything a full listing reads: the shared steps and plain services, and the environments. */
const ALL = [`${SERVICES_DIR}/`, `${ENVIRONMENTS_DIR}/`];

export const configIdOf = (c: ServiceConfig | undefined): string =>
  `${c?.deploy?.oid ?? '-'} ${c?.values?.oid ?? '-'}`;

/** Over this many services of one commit, listing its whole `services/` is cheaper than naming them. */
const NAMED_AT_MOST = 64;
/** Kept per-service ids of deployed commits (about 100 bytes each). */
const KEPT_IDS = 50_000;

export class ConfigIds {
  private listed: { commit: string; config: Promise<CommitConfig> } | null = null;
  private readonly kept = new Map<string, string>();
  /** Git processes at once: a status of many deployed commits must not run out of descriptors. */
  private readonly limit = pLimit(4);

  constructor(private readonly dir: string) {}

  /** Every service's config at `commit` (the branch head): the last one asked is kept. */
  at(commit: string): Promise<CommitConfig> {
    if (this.listed?.commit !== commit) {
      const config = this.limit(() => this.list(commit, ALL));
      this.listed = { commit, config };
      // A failed listing is not kept: the next status asks git again.
      config.catch(() => {
        if (this.listed?.config === config) this.listed = null;
      });
    }
    return this.listed.config;
  }

  /**
   * The config ids of services at the commits they were deployed from, keyed `<commit> <service>`:
   * one `ls-tree` per commit not asked before, naming its services' files when they are few.
   */
  async of(pairs: ReadonlyArray<{ commit: string; service: string }>): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const byCommit = new Map<string, string[]>();
    for (const { commit, service } of pairs) {
      const key = `${commit} ${service}`;
      const known = this.kept.get(key);
      if (known !== undefined) out.set(key, known);
      else if (!out.has(key)) byCommit.set(commit, [...(byCommit.get(commit) ?? []), service]);
    }
    await Promise.all(
      [...byCommit].map(async ([commit, services]) => {
        const config =
          this.listed?.commit === commit
            ? await this.listed.config
            : await this.limit(() =>
                this.list(
                  commit,
                  services.length > NAMED_AT_MOST
                    ? ALL
                    : services.flatMap((s) => [deployPath(s), valuesPath(s)]),
                ),
              );
        for (const service of services) {
          const id = configIdOf(config.files.get(service));
          this.keep(`${commit} ${service}`, id);
          out.set(`${commit} ${service}`, id);
        }
      }),
    );
    return out;
  }

  private keep(key: string, id: string): void {
    if (this.kept.size >= KEPT_IDS) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(key, id);
  }

  private async list(commit: string, paths: string[]): Promise<CommitConfig> {
    let listing: Map<string, ListedFile>;
    try {
      listing = await listFiles({ cwd: this.dir }, commit, paths, { trees: true });
    } catch (err) {
      // A deployed commit the repository no longer has (a rewritten branch, gc): no files, as
      // `cat-file --batch-check` answered `missing` for each. Any other failure is thrown.
      if (isOrbitError(err, 'E_GIT') && /not a tree object/.test(String(err.data?.stderr ?? '')))
        return { services: [], ids: new Map(), files: new Map() };
      throw err;
    }
    // A deploy.hcl is shared by every service of its name (plain or in an environment).
    const deploys = new Map<string, ListedFile>();
    const values = new Map<string, ListedFile>();
    const parsed: Array<ServiceFile | null> = [];
    for (const [path, file] of listing) {
      const f = serviceFileOf(path);
      parsed.push(f);
      if (f?.kind === 'deploy') deploys.set(f.name, file);
      else if (f) values.set(f.service, file);
    }
    const services = servicesOfServiceFiles(parsed);
    const files = new Map<string, ServiceConfig>();
    for (const service of new Set([...services, ...values.keys(), ...deploys.keys()])) {
      const deploy = deploys.get(parseServiceId(service).name) ?? null;
      files.set(service, { deploy, values: values.get(service) ?? null });
    }
    const ids = new Map<string, string>();
    for (const [service, c] of files) ids.set(service, configIdOf(c));
    return { services: [...services].sort(), ids, files };
  }
}
