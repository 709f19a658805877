import { ensureWritable, storageError } from './disk-space.js';
import { viewJson } from './view-json.js';
import { OrbitError } from '../util/errors.js';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { resetTmpDir } from './atomic-fs.js';
import { commitMessage, decodeEntry, encodeEntry, normaliseEntry } from './entry-codec.js';
import { Maintenance, type MaintenanceOptions } from './maintenance.js';
import { git as gitCli, resolveGitDir } from './git-cli.js';
import { makeObject, serialiseCommit, type GitObjectToWrite } from './git-objects.js';
import { walkHistory } from './history.js';
import { withSignature } from './commit-signature.js';
import { checkIntegrity, branchFileName, orbitDir, LastWrittenFile, type StateTrust } from './integrity.js';
import { acquireWriterLock, writerAlive, type LockOwner, type WriterLock } from './lock.js';
import { ObjectReader } from './object-reader.js';
import { PackWriter } from './pack-writer.js';
import {
  CURSOR_FILE,
  ENTRY_FILE,
  SERVICES_DIR,
  recordPath,
  servicePath,
  stepLogName,
  stepsDir,
} from './paths.js';
import { applyEntry, relatedDeployments, unwindPlanOf, type ViewSource } from './projection.js';
import { BranchPusher, type PushResult } from './push.js';
import { upgradeRecord, upgradeServiceView } from './format.js';
import { casBranch, clearStaleRefLock, readBranch } from './refs.js';
import { sshSign, type SigningKey } from './ssh-signature.js';
import { BoundedCache } from './bounded-cache.js';
import { TreeStore, type FileChange } from './tree-store.js';
import { listFiles, type ListedFile } from '../git/tree-listing.js';
import {
  flatPath,
  layoutFileContent,
  layoutOf,
  shardFlatServices,
  LAYOUT_FILE,
  type ServicesLayout,
} from './services-layout.js';
import type {
  DeploymentRecord,
  HistoryItem,
  LogEntry,
  OpenStateOptions,
  ServiceView,
  SharedViews,
  StateLog,
  StepRecord,
} from './types.js';

export const DEFAULT_BRANCH = 'orbit/state';

export interface OpenStateLogOptions extends OpenStateOptions {
  /** Read only: takes no lock (the CLI reads while a daemon writes); every read follows the branch head. */
  readOnly?: boolean;
  /** Called after each push attempt of the state branch (only with `pushRemote`). */
  onPush?: (result: PushResult) => void;
  /** Consolidating the small packs appends leave behind. */
  maintenance?: MaintenanceOptions;
  /** Signed state commits: the key this writer signs with, the signers every reader accepts. */
  signing?: StateSigning;
  /** Free bytes `ensureWritable` requires (default DEFAULT_RESERVE_BYTES). */
  reserveBytes?: number;
}

export interface StateSigning extends StateTrust {
  key?: SigningKey;
}

/** The StateLog contract plus what tests, the CLI and the daemon's health checks want to see. */
export interface OrbitStateLog extends StateLog {
  readonly gitdir: string;
  readonly readOnly: boolean;
  /** The branch head this log last wrote or read; null before the first entry. */
  head(): string | null;
  /** The writer lock's owner record (null when read-only). */
  readonly lockOwner: LockOwner | null;
  /** The last push failure (rejected or given up after retries), cleared by a successful push. */
  readonly lastPushError: OrbitError | null;
  /** Waits until the newest head has been pushed (or the push given up). */
  flushPush(): Promise<void>;
  /** Background consolidation of small packs: its last error and how many passes ran. */
  readonly maintenance: Pick<Maintenance, 'lastError' | 'passes' | 'idle'>;
  /** Throws E_STATE_DISK_FULL / E_STATE_NOT_WRITABLE when the next entry might not be written. */
  ensureWritable(): Promise<void>;
}

type Parsed = ServiceView | DeploymentRecord | { config_commit: string | null };

/**
 * What a parsed view weighs in the views cache, from its text (known at hand) rather than a walk
 * of the value: `approximateBytes` of a parsed view or record is 1.25-1.4 times its pretty JSON.
 */
const viewBytes = (text: string | null): number => (text === null ? 8 : Math.ceil(1.3 * text.length));

/** Views written in an older state format are read as the current one (see format.ts). */
function upgradeView(path: string, raw: Record<string, unknown>): Parsed {
  if (path.endsWith('/current.json')) return upgradeServiceView(raw, path);
  if (path.endsWith('/record.json')) return upgradeRecord(raw, path);
  return raw as Parsed;
}

class GitStateLog implements OrbitStateLog {
  readonly branch: string;
  private readonly reader: ObjectReader;
  private readonly trees: TreeStore;
  private headSha: string | null = null;
  private headRoot: string | null = null;
  /** How the head tree holds services: sharded (format 3), or flat (a log written before it). */
  private layout: ServicesLayout = 'sharded';
  private headEntry: LogEntry | null = null;
  /** Parsed views at the current head, keyed by path; `null` records a known absence. */
  private views = new BoundedCache<Parsed | null>(10_000);
  /** A reader's listing of the head tree (one `ls-tree -r`), once it reads every service. */
  private listing: Promise<Map<string, ListedFile>> | null = null;
  private lastEntry = new BoundedCache<string>(10_000);
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private pusher: BranchPusher | null = null;
  private readonly objects: PackWriter;
  private readonly tmpDir: string;
  private lastWritten: LastWrittenFile | null = null;
  private refSecondName: string | undefined;
  readonly maintenance: Maintenance;
  /** How many times `lastEntryOf` had to walk history (records written before `last_entry`). */
  historyWalks = 0;

  constructor(
    readonly gitdir: string,
    private readonly options: OpenStateLogOptions,
    private readonly lock: WriterLock | null,
  ) {
    this.branch = options.branch ?? DEFAULT_BRANCH;
    this.reader = new ObjectReader(gitdir);
    this.tmpDir = path.join(orbitDir(gitdir), 'tmp');
    this.objects = new PackWriter(gitdir, this.tmpDir);
    this.trees = new TreeStore(this.reader);
    this.maintenance = new Maintenance(gitdir, options.maintenance);
    if (options.pushRemote && !this.readOnly) {
      this.pusher = new BranchPusher(gitdir, options.pushRemote, this.branch);
      if (options.onPush) this.pusher.on('push', options.onPush);
    }
  }

  get readOnly(): boolean {
    return this.lock === null;
  }
  get lockOwner(): LockOwner | null {
    return this.lock?.owner ?? null;
  }
  get lastPushError(): OrbitError | null {
    return this.pusher?.lastPushError ?? null;
  }
  /** Whether a writer process holds this branch now (this one, when it writes). */
  async writerRunning(): Promise<boolean> {
    return !this.readOnly || writerAlive(orbitDir(this.gitdir), branchFileName(this.branch));
  }
  head(): string | null {
    return this.headSha;
  }

  async init(): Promise<void> {
    if (this.lock) {
      await clearStaleRefLock(this.gitdir, this.branch);
      await resetTmpDir(this.tmpDir);
      await this.objects.clearOrphans();
    }
    const head = await this.checkedHead(await readBranch(this.gitdir, this.branch));
    // The temp-file pool fills after the first append: an open (and its first reads) stays quiet.
    if (this.lock) this.lastWritten = new LastWrittenFile(this.gitdir, this.branch);
    await this.moveTo(head);
  }

  private async moveTo(head: string | null): Promise<void> {
    this.headSha = head;
    this.headRoot = head ? await this.treeOf(head) : null;
    this.layout = await layoutOf(this.trees, this.headRoot);
    this.headEntry = null;
    this.views = new BoundedCache(10_000);
    this.listing = null;
  }

  private async treeOf(commit: string): Promise<string> {
    const obj = await this.reader.read(commit);
    const m = obj && obj.type === 'commit' ? /^tree ([0-9a-f]{40})/.exec(obj.content.toString('utf8')) : null;
    if (!m?.[1]) throw new OrbitError('E_STATE_CORRUPT', `commit ${commit} cannot be read`, { commit });
    return m[1];
  }

  /** A reader follows a branch that another process writes; the writer is the only one moving it. */
  private async refresh(): Promise<void> {
    if (this.closed) throw new OrbitError('E_STATE_CLOSED', 'the state log is closed');
    if (!this.readOnly) return;
    const now = await readBranch(this.gitdir, this.branch);
    if (now !== this.headSha) await this.moveTo(await this.checkedHead(now));
  }

  /**
   * A reader checks every commit the writer added since its last look. The writer's marks are
   * read after the head: an append landing in between can make a commit look foreign for one
   * look, so a refusal is confirmed on a fresh read of the branch before it is believed.
   */
  private async checkedHead(head: string | null): Promise<string | null> {
    for (let attempt = 0; ; attempt++) {
      try {
        await checkIntegrity(this.gitdir, this.branch, head, this.reader, this.options.signing, this.headSha);
        return head;
      } catch (err) {
        const again = await readBranch(this.gitdir, this.branch);
        if (again === head || attempt >= 5) throw err;
        head = again;
      }
    }
  }

  /** Where a (sharded) path is in the head tree. */
  private at(path: string[]): string[] {
    return this.layout === 'flat' ? flatPath(path) : path;
  }

  private async view<T extends Parsed>(path: string[]): Promise<T | null> {
    const key = path.join('/');
    const hit = this.views.get(key);
    if (hit !== undefined) return hit as T | null;
    const text = await this.readView(this.at(path));
    const parsed =
      text === null ? null : (upgradeView(key, JSON.parse(text) as Record<string, unknown>) as T);
    this.views.set(key, parsed, viewBytes(text));
    return parsed;
  }

  /**
   * A reader (a fresh CLI process, its trees not cached) asks git for the file by its path in
   * the head tree: one request, not one per tree on the way (five for a deployment's record).
   */
  private async readView(path: string[]): Promise<string | null> {
    if (!this.readOnly || !this.headRoot) return this.trees.readFile(this.headRoot, path);
    const key = path.join('/');
    let spec = `${this.headRoot}:${key}`;
    if (this.listing) {
      const file = (await this.listing).get(key);
      if (!file || file.type !== 'blob') return null;
      spec = file.oid;
    }
    const obj = await this.reader.read(spec);
    return obj && obj.type === 'blob' ? obj.content.toString('utf8') : null;
  }

  /**
   * A reader about to read every service lists the head tree once: git walks each tree once,
   * and each file is then read by its id (at 10,000 services, 0.2 s and 0.7 s of git against
   * 3.5 s for a `<tree>:<path>` lookup per file, which inflates every tree on the way again).
   */
  private listHead(): void {
    if (!this.readOnly || !this.headRoot || this.listing) return;
    const listing = listFiles({ gitDir: this.gitdir }, this.headRoot);
    this.listing = listing;
    // A failed listing is not kept: the reads go by path.
    listing.catch(() => {
      if (this.listing === listing) this.listing = null;
    });
  }

  private async stepLogAt(deployId: string, stepIndex: number): Promise<string | null> {
    const items = await this.trees.list(this.headRoot, this.at(stepsDir(deployId)));
    const item = items.find((x) => x.path.startsWith(`${stepIndex}-`) && x.type === 'blob');
    return item ? this.trees.readBlob(item.oid) : null;
  }

  // ---- readers ----

  async service(serviceId: string): Promise<ServiceView | null> {
    await this.refresh();
    if (!serviceId || serviceId.includes('/')) return null;
    return structuredClone(await this.view<ServiceView>(servicePath(serviceId)));
  }

  async services(): Promise<ServiceView[]> {
    return (await this.shared.services()).map((v) => structuredClone(v));
  }

  readonly shared: SharedViews = {
    services: async () => {
      await this.refresh();
      this.listHead();
      // All asked at once: cat-file answers them back to back, not one round trip each.
      const views = await Promise.all(
        (await this.serviceIds()).map((id) => this.view<ServiceView>(servicePath(id))),
      );
      return views.filter((v): v is ServiceView => v !== null);
    },
    deployments: async (deployIds) => {
      await this.refresh();
      const records = await Promise.all(
        deployIds.map((id) => (!id || id.includes('/') ? null : this.view<DeploymentRecord>(recordPath(id)))),
      );
      return new Map(deployIds.map((id, i) => [id, records[i] ?? null]));
    },
  };

  /** Every service directory's name in the head tree, in either layout. */
  private async serviceIds(): Promise<string[]> {
    const top = (await this.trees.list(this.headRoot, [SERVICES_DIR])).filter((it) => it.type === 'tree');
    if (this.layout === 'flat') return top.map((it) => it.path);
    const ids: string[] = [];
    for (const shard of top)
      for (const it of await this.trees.readTree(shard.oid)) if (it.type === 'tree') ids.push(it.path);
    // In the order of a flat tree, as before shards: git's, a directory's name as if it ended with
    // '/' (each name's bytes made once, not twice per comparison).
    return ids
      .map((id) => ({ id, key: Buffer.from(`${id}/`) }))
      .sort((a, b) => Buffer.compare(a.key, b.key))
      .map((x) => x.id);
  }

  async deployment(deployId: string): Promise<DeploymentRecord | null> {
    await this.refresh();
    if (!deployId || deployId.includes('/')) return null;
    return structuredClone(await this.view<DeploymentRecord>(recordPath(deployId)));
  }

  /** Many records at one head (status reads every service's): one look at the branch for all. */
  async deployments(deployIds: readonly string[]): Promise<Map<string, DeploymentRecord | null>> {
    const shared = await this.shared.deployments(deployIds);
    for (const [id, r] of shared) shared.set(id, structuredClone(r));
    return shared;
  }

  async stepLog(deployId: string, stepIndex: number): Promise<string | null> {
    await this.refresh();
    if (!deployId || deployId.includes('/')) return null;
    return this.stepLogAt(deployId, stepIndex);
  }

  async unwindPlan(deployId: string): Promise<StepRecord[]> {
    const rec = await this.deployment(deployId);
    return rec ? unwindPlanOf(rec) : [];
  }

  async inFlight(): Promise<DeploymentRecord[]> {
    const out: DeploymentRecord[] = [];
    for (const s of await this.services()) {
      const rec = s.in_flight ? await this.deployment(s.in_flight) : null;
      if (rec) out.push(rec);
    }
    return out;
  }

  async cursor(): Promise<string | null> {
    await this.refresh();
    return (await this.view<{ config_commit: string | null }>([CURSOR_FILE]))?.config_commit ?? null;
  }

  async *history(options: { service?: string; limit?: number } = {}): AsyncIterable<HistoryItem> {
    await this.refresh();
    yield* walkHistory(this.gitdir, this.headSha, this.reader, options);
  }

  // ---- writer ----

  /** Throws E_STATE_DISK_FULL / E_STATE_NOT_WRITABLE when an entry might not be written now. */
  ensureWritable(): Promise<void> {
    return ensureWritable(this.gitdir, this.options.reserveBytes);
  }

  append(entry: LogEntry): Promise<string> {
    return this.appendAll([entry]).then((shas) => shas[0]!);
  }

  /**
   * Several entries as as many commits, in order, each with the tree a single append would give
   * it, written as one pack and one move of the branch: all of them are on the branch or none.
   */
  appendAll(entries: readonly LogEntry[]): Promise<string[]> {
    const run = this.queue.then(() =>
      this.appendNow(entries).catch((err: unknown) => {
        throw storageError(err, this.gitdir) ?? err;
      }),
    );
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendNow(inputs: readonly LogEntry[]): Promise<string[]> {
    if (this.closed) throw new OrbitError('E_STATE_CLOSED', 'the state log is closed');
    if (!this.lock) throw new OrbitError('E_STATE_READONLY', 'the state log was opened read-only');
    if (this.lock.compromised)
      throw new OrbitError('E_STATE_LOCK_LOST', `the writer lock was lost: ${this.lock.compromised.message}`);
    const entries = inputs.map(normaliseEntry);
    if (entries.length === 0) return [];
    const from = { sha: this.headSha, root: this.headRoot, layout: this.layout, entry: this.headEntry };
    const objects: GitObjectToWrite[] = [];
    const shas: string[] = [];
    try {
      // Each entry is staged on the one before it, as if that one were already the head.
      for (const e of entries) {
        const staged = await this.stage(e);
        objects.push(...staged.objects);
        shas.push(staged.oid);
      }
      const head = shas[shas.length - 1]!;
      // Every object is in place under its final name before the branch may point at it; then the
      // branch moves atomically, once, and only from where this writer left it.
      await this.objects.writeAll(objects);
      this.lastWritten?.pending(head);
      const prepared = this.objects.refFile(`${head}\n`);
      const kept = await casBranch(this.gitdir, this.branch, from.sha, head, prepared, {
        keepPrepared: true,
      });
      this.lastWritten?.record(head);
      this.dropRefSecondName(kept ? prepared : undefined);
    } catch (err) {
      // Nothing moved: forget what was staged (the caches only save work).
      this.headSha = from.sha;
      this.headRoot = from.root;
      this.layout = from.layout;
      this.headEntry = from.entry;
      this.views = new BoundedCache(10_000);
      this.lastEntry = new BoundedCache(10_000);
      throw err;
    } finally {
      this.trees.unpin();
    }
    this.pusher?.schedule(this.headSha!);
    // Between appends, never beside git's own repack (it may be rolling up the same packs).
    if (this.objects.rollUpDue() && !this.maintenance.busy) this.objects.rollUp();
    this.maintenance.afterAppend(this.objects.takePackDelta());
    return shas;
  }

  /** Builds one entry's commit on the (possibly staged) head and makes it the head in memory. */
  private async stage(e: LogEntry): Promise<{ oid: string; objects: GitObjectToWrite[] }> {
    // Load exactly the views the projection will read.
    const services = new Map<string, ServiceView>();
    const records = new Map<string, DeploymentRecord>();
    const logs = new Map<string, string>();
    const loadRecord = async (id: string): Promise<DeploymentRecord | undefined> => {
      if (!records.has(id)) {
        const r = await this.view<DeploymentRecord>(recordPath(id));
        if (r) records.set(id, r);
      }
      return records.get(id);
    };
    if (e.service_id) {
      const s = await this.view<ServiceView>(servicePath(e.service_id));
      if (s) services.set(e.service_id, s);
    }
    const own = e.deploy_id ? await loadRecord(e.deploy_id) : undefined;
    for (const id of relatedDeployments(e, own)) await loadRecord(id);
    if (e.deploy_id && e.step_index !== null && e.kind.startsWith('step-reverse')) {
      const log = await this.stepLogAt(e.deploy_id, e.step_index);
      if (log !== null) logs.set(`${e.deploy_id}/${e.step_index}`, log);
    }
    const source: ViewSource = {
      service: (id) => services.get(id),
      deployment: (id) => records.get(id),
      stepLog: (id, i) => logs.get(`${id}/${i}`),
    };
    const changes = applyEntry(source, e);

    // Bookkeeping that makes the previous-entry lookup O(1): the head commit's deployment learns
    // its newest entry (the head) in its record, here, in the commit after it.
    const headEntry = await this.headEntryOf();
    const headDeploy = headEntry?.deploy_id ?? null;
    if (headDeploy && this.headSha) {
      const rewritten = changes.deployments.find((r) => r.deploy_id === headDeploy);
      if (rewritten) rewritten.last_entry = this.headSha;
      else {
        const rec = await this.view<DeploymentRecord>(recordPath(headDeploy));
        if (rec) changes.deployments.push({ ...rec, last_entry: this.headSha });
      }
    }

    const files: FileChange[] = [
      { path: [ENTRY_FILE], content: encodeEntry(e) },
      { path: [LAYOUT_FILE], content: layoutFileContent() },
    ];
    const viewUpdates: [string[], Parsed][] = [];
    for (const s of changes.services) viewUpdates.push([servicePath(s.service_id), s]);
    for (const r of changes.deployments) viewUpdates.push([recordPath(r.deploy_id), r]);
    if (changes.cursor) viewUpdates.push([[CURSOR_FILE], changes.cursor]);
    const texts = viewUpdates.map(([, v]) => viewJson(v));
    viewUpdates.forEach(([path], i) => files.push({ path, content: texts[i]! }));
    for (const l of changes.stepLogs)
      files.push({
        path: [...stepsDir(l.deploy_id), stepLogName(l.step_index, l.step_name)],
        content: l.log,
      });

    const previousEntry = e.deploy_id && own ? await this.lastEntryOf(e.deploy_id, own) : null;
    // A log written before format 3 moves to the sharded layout in this entry's commit.
    const reshard =
      this.layout === 'flat' && this.headRoot ? await shardFlatServices(this.trees, this.headRoot) : null;
    if (reshard) {
      this.trees.remember(reshard);
      this.trees.pin(reshard);
    }
    const update = await this.trees.build(reshard?.root ?? this.headRoot, files);
    const commit = this.commitObject(e, update.root, previousEntry);

    this.trees.remember(update);
    this.trees.pin(update);
    this.headSha = commit.oid;
    this.headRoot = update.root;
    this.layout = 'sharded';
    this.headEntry = e;
    viewUpdates.forEach(([path, v], i) => this.views.set(path.join('/'), v, viewBytes(texts[i]!)));
    if (e.deploy_id) this.lastEntry.set(e.deploy_id, commit.oid);
    return { oid: commit.oid, objects: [...(reshard?.objects ?? []), ...update.objects, commit] };
  }

  private commitObject(e: LogEntry, tree: string, previousEntry: string | null): GitObjectToWrite {
    const committer = this.options.committer ?? { name: 'Orbit', email: 'orbit@localhost' };
    const now = Math.floor(Date.now() / 1000);
    const at = Date.parse(e.applied_time);
    const m = /^\s*(.*?)\s*<([^>]*)>\s*$/.exec(e.author ?? '');
    const author = {
      name: (m ? m[1] : e.author)?.trim() || committer.name,
      email: m ? (m[2] ?? '') : '',
      timestamp: Number.isFinite(at) ? Math.floor(at / 1000) : now,
    };
    const content = serialiseCommit({
      tree,
      parents: this.headSha ? [this.headSha] : [],
      author,
      committer: { ...committer, timestamp: now },
      message: commitMessage(e, previousEntry),
    });
    const key = this.options.signing?.key;
    return makeObject('commit', key ? withSignature(content, (payload) => sshSign(key, payload)) : content);
  }

  /** The head commit's entry (read once after an open, then known from the appends). */
  private async headEntryOf(): Promise<LogEntry | null> {
    if (!this.headSha) return null;
    if (!this.headEntry) {
      const obj = await this.reader.read(`${this.headSha}:${ENTRY_FILE}`);
      this.headEntry = obj ? decodeEntry(obj.content.toString('utf8')) : null;
    }
    return this.headEntry;
  }

  /**
   * The newest entry of a deployment, for its `Orbit-Previous-Entry` trailer, in O(1) whatever
   * the history: known in memory for whatever this process wrote; else the head commit when the
   * head's entry is this deployment's; else its record's `last_entry`, which the commit after
   * each entry writes. Only a record written before Orbit kept `last_entry` costs one
   * `git log --grep` (stopping at the first match).
   */
  private async lastEntryOf(deployId: string, own: DeploymentRecord): Promise<string | null> {
    const known = this.lastEntry.get(deployId);
    if (known) return known;
    if (!this.headSha) return null;
    if ((await this.headEntryOf())?.deploy_id === deployId) return this.headSha;
    if (own.last_entry !== undefined) return own.last_entry;
    this.historyWalks++;
    const re = deployId.replace(/[.[\]\\*^$]/g, '\\$&');
    const out = await gitCli(this.gitdir, [
      'log',
      '-1',
      '--format=%H',
      `--grep=^Orbit-Deployment: ${re}$`,
      this.headSha,
      '--',
    ]);
    const sha = out.trim() || null;
    if (sha) this.lastEntry.set(deployId, sha);
    return sha;
  }

  async flushPush(): Promise<void> {
    await this.pusher?.flush();
  }

  /**
   * The previous ref file's second name (see casBranch's `keepPrepared`), removed once the branch
   * moved past it: on the thread pool, where freeing that file's inode costs the event loop
   * nothing.
   */
  private dropRefSecondName(next: string | undefined): void {
    const old = this.refSecondName;
    this.refSecondName = next;
    // unlink, not rm: rm is a recursive removal in JavaScript (an lstat first), ~0.2 ms a call here.
    if (old) void fsp.unlink(old).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    if (this.refSecondName) await fsp.unlink(this.refSecondName).catch(() => undefined);
    this.refSecondName = undefined;
    await this.pusher?.flush();
    await this.maintenance.idle();
    this.reader.close();
    this.lastWritten?.close();
    await this.objects.stop();
    await this.lock?.release();
  }
}

/** A writer that verifies signatures must sign with a key its readers accept. */
function checkSigning(options: OpenStateLogOptions): void {
  const s = options.signing;
  if (!s?.signers || options.readOnly) return;
  if (!s.key)
    throw new OrbitError(
      'E_STATE_SIGNERS',
      'allowed signers are configured but no signing key: this Orbit would write commits it refuses to read',
    );
  const own = s.key.publicBlob;
  if (!s.signers.some((x) => x.key.equals(own)))
    throw new OrbitError(
      'E_STATE_SIGNERS',
      'the state signing key is not in the allowed signers: this Orbit would write commits it refuses to read',
    );
}

/**
 * Opens the activity log on `options.branch` (default `orbit/state`) of the repository at
 * `options.dir` (work tree or bare). A writer takes the repository's writer lock and checks the
 * branch was not rewritten; a missing branch is created by the first append.
 */
export async function openStateLog(options: OpenStateLogOptions): Promise<OrbitStateLog> {
  const gitdir = await resolveGitDir(options.dir);
  const branch = options.branch ?? DEFAULT_BRANCH;
  if (!/^[A-Za-z0-9._/-]+$/.test(branch) || branch.includes('..') || branch.endsWith('.lock'))
    throw new OrbitError('E_STATE_BAD_BRANCH', `invalid state branch name: ${branch}`, { branch });
  checkSigning(options);
  const lock = options.readOnly ? null : await acquireWriterLock(orbitDir(gitdir), branchFileName(branch));
  const log = new GitStateLog(gitdir, options, lock);
  try {
    await log.init();
  } catch (err) {
    await log.close().catch(() => undefined);
    throw err;
  }
  return log;
}
