/**
 * `export FILE --to mdevctl|nodedev [--out DIR]`: the domain's aggregated mdevs in mdevctl's or
 * libvirt's node-device form, printed or written one file per device (each atomically).
 */
import { dirname, join, resolve } from 'node:path';
import { type Diagnostic, diagnostic, hasErrors, quoted } from '../../core/text/diagnostics';
import type { DomainModel } from '../../core/reading/domain';
import { type ExportDevice, exportDevices, exportNeedsHost } from '../../core/export/devices';
import { mdevctlConfigText, mdevctlDumpJson } from '../../core/export/mdevctl';
import { nodedevName, nodedevParentName, nodedevXml } from '../../core/export/nodedev';
import { readHost } from '../../core/host/read-host';
import { ConfinedTree, makeOperatorDirectory } from '../../shell/files/guarded-fs';
import { describeFileFailure } from '../file-failure';
import { type CommandContext, EXIT, type ExitCode, UsageError } from '../context';
import { loadDomain } from '../inputs';
import { printFatalDiagnostics } from '../diagnostics-printer';
import { requireOperatorDirectory } from '../operator-directory';

type Format = 'mdevctl' | 'nodedev';

export async function exportCommand(ctx: CommandContext): Promise<ExitCode> {
  const to = ctx.text('to');
  if (to === undefined) throw new UsageError('export: --to mdevctl or --to nodedev is required');
  if (to !== 'mdevctl' && to !== 'nodedev') throw new UsageError(`export: --to ${quoted(String(to))} is not a format: mdevctl or nodedev`);
  const given = ctx.text('out');
  const out = given === undefined ? null : resolve(ctx.cwd, given);
  if (out !== null) requireOperatorDirectory('export: --out', out, null);

  const loaded = await loadDomain(ctx, ctx.positionals[0]!);
  if ('exit' in loaded) return loaded.exit;
  const { model } = loaded;
  const host = exportNeedsHost(model) ? readHost(ctx.host().sysfs) : null;
  const { devices, diagnostics } = exportDevices(model, host);
  if (to === 'nodedev') diagnostics.push(...unnamedParents(devices, model));
  if (hasErrors(diagnostics)) {
    printFatalDiagnostics(ctx, diagnostics);
    return EXIT.NO;
  }

  if (out === null) {
    if (to === 'mdevctl') ctx.out.document(`${mdevctlDumpJson(devices)}\n`);
    else for (const device of devices) ctx.out.document(nodedevXml(device));
    return EXIT.OK;
  }
  // The directory is the operator's; below it, nothing is written through a link, a FIFO or a hard link.
  let tree: ConfinedTree;
  try {
    makeOperatorDirectory(out);
    tree = new ConfinedTree(out);
  } catch (e) {
    ctx.out.err(`mdev-agg: ${describeFileFailure(out, e)}`);
    return EXIT.NO;
  }
  for (const file of filesFor(to, devices)) {
    const path = join(out, file.path);
    const hostPath = `/${file.path}`;
    try {
      if (tree.read(hostPath, Buffer.byteLength(file.content)) === file.content) {
        ctx.out.out(`unchanged ${path}`);
        continue;
      }
    } catch {
      // Not the same file (larger, or not a regular file): replaced below, or refused there.
    }
    try {
      tree.makeDirectories(dirname(hostPath));
      tree.replaceFile(hostPath, file.content, 0o644);
    } catch (e) {
      ctx.out.err(`mdev-agg: ${describeFileFailure(path, e)}`);
      return EXIT.NO;
    }
    ctx.out.out(`wrote ${path}`);
  }
  if (devices.length === 0) ctx.out.out('export: the domain has no aggregated mdevs; nothing written');
  return EXIT.OK;
}

/** The files as mdevctl stores them (`<parent>/<uuid>`), or `<node device name>.xml`. */
function filesFor(to: Format, devices: readonly ExportDevice[]): { path: string; content: string }[] {
  if (to === 'mdevctl') return devices.map((d) => ({ path: join(d.parent, d.uuid), content: mdevctlConfigText(d) }));
  return devices.map((d) => ({ path: `${nodedevName(d)}.xml`, content: nodedevXml(d) }));
}

function unnamedParents(devices: readonly ExportDevice[], model: DomainModel): Diagnostic[] {
  return devices
    .filter((d) => nodedevParentName(d.parent) === null)
    .map((d) =>
      diagnostic(
        'E_EXPORT_UNSUPPORTED',
        `mdev ${d.uuid}: libvirt's node-device name for parent ${d.parent} cannot be told (known: PCI functions, channel subsystem devices, the AP matrix)`,
        model.file,
        model.devices.find((m) => m.uuid === d.uuid)!.at,
      ),
    );
}
