/**
 * migrate-check fleet mode: every domain in --domains against every target snapshot in --targets,
 * source facts from --source-dir. Snapshots are *.xml or *.json (either form). A domain's source
 * snapshot is <source-dir>/<host>.xml (or .json) for the
 * host its <agg:source host=…> stamp names, else the snapshot there whose name is that host, else
 * the one holding one of its devices (by UUID); else only its stamps speak for the source
 * (W_SOURCE_SNAPSHOT_MISSING).
 */
import { join, resolve } from 'node:path';
import { sanitiseLine } from '../../core/text/terminal-text';
import { type Diagnostic, diagnostic, hasErrors } from '../../core/text/diagnostics';
import { type DomainModel, readDomain } from '../../core/reading/domain';
import { type FleetDomain, fleetMatrix } from '../../core/migration/fleet';
import { sourceFactsFor } from '../../core/migration/source-facts';
import { isSafeSysfsName } from '../../core/reading/names';
import type { HostSnapshot } from '../../core/snapshot/model';
import { MAX_JSON_SNAPSHOT_BYTES, readSnapshot } from '../../core/snapshot/read';
import { MAX_XML_BYTES, tooLargeDiagnostic } from '../../core/xml/reader';
import { FileRefusedError, canonicalOperatorPath, listOperatorDirectory, readOperatorFile } from '../../shell/files/guarded-fs';
import { type CommandContext, EXIT, type ExitCode, UsageError } from '../context';
import { loadCheckOptions } from '../inputs';
import { diagnosticsText, printJson } from '../diagnostics-printer';

const DOMAIN_FILE = /\.xml$/;
/** A snapshot in either form; its host (a target's name) is the file name without the extension. */
const SNAPSHOT_EXTENSIONS = ['xml', 'json'] as const;
const SNAPSHOT_FILE = new RegExp(`\\.(${SNAPSHOT_EXTENSIONS.join('|')})$`);

/** Snapshot files by path, each read once even when --source-dir and --targets are one directory. */
class SnapshotFiles {
  private readonly parsed = new Map<string, HostSnapshot | null>();
  constructor(readonly diagnostics: Diagnostic[], private readonly cwd: string) {}

  resolve(path: string): string {
    return resolve(this.cwd, path);
  }

  get(path: string): HostSnapshot | null {
    const given = this.resolve(path);
    if (this.parsed.has(given)) return this.parsed.get(given)!;
    const key = canonicalOperatorPath(given);
    if (key === null) {
      // Listed but not found by its name: a name that is not UTF-8 does not survive as a string.
      this.diagnostics.push(diagnostic('E_INPUT_UNREADABLE', `cannot read ${path}: its name does not resolve (a file name that is not UTF-8?)`, path, { line: 1, column: 1 }));
      this.parsed.set(given, null);
      return null;
    }
    if (this.parsed.has(key)) {
      this.parsed.set(given, this.parsed.get(key)!);
      return this.parsed.get(key)!;
    }
    let snapshot: HostSnapshot | null = null;
    try {
      const read = readSnapshot(readOperatorFile(key, MAX_JSON_SNAPSHOT_BYTES), path);
      this.diagnostics.push(...read.diagnostics);
      snapshot = read.snapshot;
    } catch (e) {
      this.diagnostics.push(unreadable(path, e));
    }
    this.parsed.set(key, snapshot);
    this.parsed.set(given, snapshot);
    return snapshot;
  }
}

/** Why a file of a fleet directory was not read: too large (refused before reading), or not a readable regular file. */
function unreadable(path: string, e: unknown): Diagnostic {
  if (e instanceof FileRefusedError && e.refusal === 'E_FILE_TOO_LARGE') {
    return path.endsWith('.json') ? diagnostic('E_SNAPSHOT_INVALID', `input is larger than ${MAX_JSON_SNAPSHOT_BYTES} bytes`, path, { line: 1, column: 1 }) : tooLargeDiagnostic(path);
  }
  const why = e instanceof FileRefusedError ? `${e.refusal}: ${e.message}` : ((e as { errno?: string }).errno ?? (e as Error).message);
  return diagnostic('E_INPUT_UNREADABLE', `cannot read ${path}: ${why}`, path, { line: 1, column: 1 });
}

/** The names in a directory that match, sorted; `shown` is the directory as the user gave it. */
function filesIn(dir: string, pattern: RegExp, option: string, shown: string): string[] {
  try {
    return listOperatorDirectory(dir).filter((name) => pattern.test(name));
  } catch (e) {
    throw new UsageError(`--${option} ${shown}: ${(e as { errno?: string }).errno ?? (e as Error).message}`);
  }
}

/** The snapshot files of a directory; one host in both forms is ambiguous and refused. */
function snapshotFilesIn(dir: string, option: string, shown: string): string[] {
  const names = filesIn(dir, SNAPSHOT_FILE, option, shown);
  const hosts = new Set<string>();
  for (const name of names) {
    const host = name.replace(SNAPSHOT_FILE, '');
    if (hosts.has(host)) throw new UsageError(`--${option} ${shown}: ${host} has both ${host}.xml and ${host}.json; keep one`);
    hosts.add(host);
  }
  return names;
}

/**
 * The source snapshot of a domain: <dir>/<host>.xml or .json for the host its stamp names, else the snapshot
 * whose name is that host, else the snapshot holding one of its devices (by UUID).
 */
class SourceLookup {
  /** File by host name and by device UUID; null where several snapshots claim it (no file order may decide). */
  private index: { byName: Map<string, string | null>; byUuid: Map<string, string | null> } | null = null;
  private listing: Set<string> | null = null;
  constructor(private readonly dir: string, private readonly files: SnapshotFiles) {}

  /** The snapshot files of the directory, listed once (one host in both forms is refused there). */
  private names(): Set<string> {
    this.listing ??= new Set(snapshotFilesIn(this.files.resolve(this.dir), 'source-dir', this.dir));
    return this.listing;
  }

  find(domain: DomainModel): { file: string; snapshot: HostSnapshot } | { ambiguous: string } | null {
    const hosts = domain.devices.flatMap((d) => (d.source?.host == null ? [] : [d.source.host]));
    // The host name becomes a file name: only a safe one is looked up that way.
    for (const host of hosts.filter(isSafeSysfsName)) {
      const file = SNAPSHOT_EXTENSIONS.map((extension) => `${host}.${extension}`).find((name) => this.names().has(name));
      const found = file === undefined ? null : this.open(file);
      if (found) return found;
    }
    for (const host of hosts) {
      const file = this.scan().byName.get(host);
      if (file === null) return { ambiguous: `several snapshots in ${this.dir} are named ${host}` };
      if (file !== undefined) return this.open(file);
    }
    const holding = new Set(domain.devices.map((d) => this.scan().byUuid.get(d.uuid)).filter((f) => f !== undefined));
    if (holding.has(null) || holding.size > 1) return { ambiguous: `several snapshots in ${this.dir} hold this domain's devices` };
    const [file] = holding;
    return file ? this.open(file) : null;
  }

  private open(file: string): { file: string; snapshot: HostSnapshot } | null {
    const snapshot = this.files.get(join(this.dir, file));
    return snapshot ? { file, snapshot } : null;
  }

  /** Every snapshot of the directory by host name and by device UUID; read once, when first needed. */
  private scan() {
    if (this.index) return this.index;
    this.index = { byName: new Map(), byUuid: new Map() };
    for (const file of this.names()) {
      const snapshot = this.files.get(join(this.dir, file));
      if (!snapshot) continue;
      const claim = (map: Map<string, string | null>, key: string) => map.set(key, map.has(key) && map.get(key) !== file ? null : file);
      if (snapshot.name !== null) claim(this.index.byName, snapshot.name);
      for (const d of snapshot.host.devices) claim(this.index.byUuid, d.uuid);
    }
    return this.index;
  }
}

/** Indices of targets: a matrix's rows are typed arrays (tens of millions of indices at data-centre size). */
type TargetRow = ArrayLike<number>;

interface DomainRow {
  file: string;
  name: string | null;
  source: string | null;
  /** The targets that can take the domain, as indices into the target list, ascending. */
  targets: TargetRow;
  /** The codes of the errors that kept the domain from being checked (then no target is listed). */
  errors: string[];
}

export async function fleetCommand(ctx: CommandContext): Promise<ExitCode> {
  // Paths as the user gave them, for messages; resolved against the working directory for reading.
  const cwd = ctx.cwd;
  const [domainsDir, sourceDir, targetsDir] = (['domains', 'source-dir', 'targets'] as const).map((name) => ctx.text(name) ?? '');
  const inCwd = (path: string) => resolve(cwd, path);
  const settings = await loadCheckOptions(ctx);
  if ('exit' in settings) return settings.exit;
  const showProgress = ctx.options.stderrIsTTY === true && !!ctx.options.progress;
  const diagnostics: Diagnostic[] = [];
  const files = new SnapshotFiles(diagnostics, cwd);

  const targetFiles = snapshotFilesIn(inCwd(targetsDir!), 'targets', targetsDir!);
  const targets: { name: string; host: HostSnapshot['host'] }[] = [];
  for (const [i, file] of targetFiles.entries()) {
    if (showProgress && (i % 100 === 0 || i === targetFiles.length - 1)) ctx.options.progress!(`migrate-check: target ${i + 1}/${targetFiles.length}`);
    const snapshot = files.get(join(targetsDir!, file));
    if (snapshot) targets.push({ name: file.replace(SNAPSHOT_FILE, ''), host: snapshot.host });
  }

  const lookup = new SourceLookup(sourceDir!, files);
  const domainFiles = filesIn(inCwd(domainsDir!), DOMAIN_FILE, 'domains', domainsDir!);
  const domains: (FleetDomain & DomainRow)[] = [];
  const unchecked: DomainRow[] = [];
  for (const [i, file] of domainFiles.entries()) {
    if (showProgress && (i % 100 === 0 || i === domainFiles.length - 1)) ctx.options.progress!(`migrate-check: domain ${i + 1}/${domainFiles.length}`);
    const path = join(domainsDir!, file);
    let read;
    try {
      read = readDomain(readOperatorFile(inCwd(path), MAX_XML_BYTES), path);
    } catch (e) {
      const refused = unreadable(path, e);
      diagnostics.push(refused);
      unchecked.push({ file, name: null, source: null, targets: [], errors: [refused.code] });
      continue;
    }
    if (!read.model || hasErrors(read.diagnostics)) {
      const errors = read.diagnostics.filter((d) => d.severity === 'error');
      diagnostics.push(...errors);
      unchecked.push({ file, name: read.model?.name ?? null, source: null, targets: [], errors: [...new Set(errors.map((d) => d.code))] });
      continue;
    }
    const model = read.model;
    const found = model.devices.length > 0 ? lookup.find(model) : null;
    const source = found && 'ambiguous' in found ? null : found;
    if (found && 'ambiguous' in found) {
      diagnostics.push(diagnostic('W_SOURCE_SNAPSHOT_AMBIGUOUS', `${found.ambiguous}; none is taken, and the domain's stamps alone give the source facts`, path, { line: 1, column: 1 }));
    } else if (source === null && model.devices.length > 0) {
      diagnostics.push(diagnostic('W_SOURCE_SNAPSHOT_MISSING', `no snapshot in ${sourceDir} for this domain's source host or devices; its stamps alone give the source facts`, path, { line: 1, column: 1 }));
    }
    const requirements = model.devices.map((device) => ({ device, source: sourceFactsFor(device, source?.snapshot ?? null) }));
    domains.push({ file, name: model.name, source: source?.file ?? null, targets: [], errors: [], requirements });
  }

  const { options } = settings;
  const matrix = fleetMatrix(domains, targets, options, showProgress ? (done, total) => ctx.options.progress!(`migrate-check: judged ${done}/${total} domains`) : undefined);
  const checked: DomainRow[] = domains.map((d, i) => ({ file: d.file, name: d.name, source: d.source, targets: matrix.rows[i]!, errors: [] }));
  // Each row's group row, by the row: the table writes a row's list from its group's.
  const groupRow = new Map(checked.map((r, i) => [r, matrix.groupRows[i]!]));
  const names = targets.map((t) => t.name);
  const rows = [...checked, ...unchecked].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const stuck = checked.filter((r) => r.targets.length === 0).length;
  const ok = !hasErrors(diagnostics);

  if (ctx.flags.json) {
    printJson(ctx.out, { ok, targets: names, domains: rows.map((r) => ({ ...r, targets: Array.from(r.targets, (t) => names[t]!) })), diagnostics });
  } else {
    const notChecked = unchecked.length ? `, ${unchecked.length} not checked (errors)` : '';
    const summary = `${rows.length} domains, ${targets.length} targets: ${checked.length - stuck} domains can move, ${stuck} cannot${notChecked} (${matrix.groups} distinct device groups, ${matrix.judged} full checks)`;
    // The table's lines as they are: at data-centre size it is hundreds of MB, not to be copied
    // again. Each part passed `sanitiseLine` (stricter than `out`), so it is not scanned twice.
    ctx.out.document(fleetTable(rows, names, (r) => groupRow.get(r) ?? null, ctx.flags.quiet ? [] : [sanitiseLine(summary)]));
    const text = diagnosticsText(diagnostics, ctx.flags);
    if (text) ctx.out.err(text);
  }
  return ok && stuck === 0 ? EXIT.OK : EXIT.NO;
}

/**
 * The matrix as a table, then `after`'s lines: one string per line, each ending in a newline, for
 * the output to write one by one (at data-centre size the table is hundreds of MB, never copied
 * into one string). Every part is already one line for a terminal (`sanitiseLine`): names are
 * sanitised once. A list of targets is written once per group row; a domain whose own row differs
 * from its group's in a few targets takes the group's list in slices (no copy) around them.
 */
function fleetTable(rows: readonly DomainRow[], names: readonly string[], groupRowOf: (row: DomainRow) => TargetRow | null, after: readonly string[]): string[] {
  const targetCount = names.length;
  const shownNames = names.map(sanitiseLine);
  const labels = rows.map((r) => sanitiseLine(r.name ? `${r.name} (${r.file})` : r.file));
  const sources = rows.map((r) => sanitiseLine(r.source ?? '-'));
  const width = labels.reduce((w, label) => Math.max(w, label.length), 6);
  const sourceWidth = sources.reduce((w, source) => Math.max(w, source.length), 6);
  const lists = new Map<TargetRow, TargetList>();
  const listOf = (targets: TargetRow): TargetList => {
    let list = lists.get(targets);
    if (list === undefined) lists.set(targets, (list = targetList(targets, shownNames)));
    return list;
  };
  const counted = (targets: TargetRow, list: string) => `${targets.length}/${targetCount}${targets.length ? `: ${list}` : ''}`;
  const lines = [`${'DOMAIN'.padEnd(width)}  ${'SOURCE'.padEnd(sourceWidth)}  TARGETS THAT CAN TAKE IT\n`];
  rows.forEach((r, i) => {
    let verdict: string;
    if (r.errors.length) verdict = `not checked: ${r.errors.join(', ')}`;
    else {
      const shared = groupRowOf(r);
      verdict = counted(r.targets, shared === null || shared === r.targets ? listOf(r.targets).text : listAround(listOf(shared), r.targets, shownNames));
    }
    lines.push(`${labels[i]!.padEnd(width)}  ${sources[i]!.padEnd(sourceWidth)}  ${verdict}\n`);
  });
  for (const line of after) lines.push(`${line}\n`);
  return lines;
}

/** Targets' names joined by ", ": `text`, the names and their separators (`items`, one more ", " at the end), and where each name starts in `items`. */
interface TargetList {
  targets: TargetRow;
  items: string;
  starts: Int32Array;
  text: string;
}

function targetList(targets: TargetRow, shownNames: readonly string[]): TargetList {
  const starts = new Int32Array(targets.length + 1);
  const listed = new Array<string>(targets.length);
  let at = 0;
  for (let k = 0; k < targets.length; k++) {
    starts[k] = at;
    listed[k] = shownNames[targets[k]!]!;
    at += listed[k]!.length + 2;
  }
  starts[targets.length] = at;
  const items = targets.length ? `${listed.join(', ')}, ` : '';
  return { targets, items, starts, text: items.slice(0, Math.max(0, at - 2)) };
}

/**
 * The names of `targets` joined by ", ", built from `base`'s list (both ascending): the runs both
 * share are slices of base's text, the targets only one of them has are added or left out.
 */
function listAround(base: TargetList, targets: TargetRow, shownNames: readonly string[]): string {
  const pieces: string[] = [];
  const shared = base.targets;
  let i = 0;
  let j = 0;
  let run = 0;
  const endRun = () => {
    if (run < i) pieces.push(base.items.slice(base.starts[run]!, base.starts[i]!));
  };
  while (i < shared.length || j < targets.length) {
    if (i < shared.length && j < targets.length && shared[i] === targets[j]) {
      i++;
      j++;
    } else if (j >= targets.length || (i < shared.length && shared[i]! < targets[j]!)) {
      endRun();
      run = ++i;
    } else {
      endRun();
      run = i;
      pieces.push(`${shownNames[targets[j]!]!}, `);
      j++;
    }
  }
  endRun();
  // Every piece ends in ", ": the last one loses it. Pieces are concatenated, not joined, so that
  // the slices stay views of base's text.
  const last = pieces.length - 1;
  let text = '';
  for (let k = 0; k < last; k++) text += pieces[k]!;
  return last < 0 ? '' : text + pieces[last]!.slice(0, -2);
}
