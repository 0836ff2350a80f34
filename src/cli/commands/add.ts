import { modelSummary, readDomain } from '../../core/reading/domain';
import { addDevice, nextDeviceIndex } from '../../core/edit/add-device';
import { isMdevModel, isMethod, isSafeSysfsName, normaliseUuid, parseInstances } from '../../core/reading/names';
import { type CommandContext, EXIT, type ExitCode, UsageError } from '../context';
import { loadDomain } from '../inputs';
import { checkSameModel, refusedAsTooLarge } from '../edit-check';

/** Name-based UUIDs of one project namespace: the same domain and index give the same UUID. */
const DEVICE_NAMESPACE = '8d2f7f5c-4b1e-5b9a-9c3e-6d0a1f2e3b4c';

export async function addCommand(ctx: CommandContext): Promise<ExitCode> {
  const type = required(ctx.text('type'), '--type');
  if (!isSafeSysfsName(type)) throw new UsageError(`--type ${JSON.stringify(type)} is not a safe sysfs name (E_AGG_TYPE_INVALID)`);
  const instances = parseInstances(required(ctx.text('instances'), '--instances'));
  if (instances === null) throw new UsageError(`--instances ${JSON.stringify(ctx.text('instances'))} is not a decimal 1..2147483647 (E_AGG_INSTANCES_INVALID)`);
  const parent = ctx.text('parent') ?? null;
  if (parent !== null && !isSafeSysfsName(parent)) throw new UsageError(`--parent ${JSON.stringify(parent)} is not a safe sysfs name (E_AGG_PARENT_INVALID)`);
  const model = ctx.text('model') ?? 'vfio-pci';
  if (!isMdevModel(model)) throw new UsageError(`--model ${JSON.stringify(model)} is not vfio-pci, vfio-ccw or vfio-ap`);
  const method = ctx.text('method') ?? 'auto';
  if (!isMethod(method)) throw new UsageError(`--method ${JSON.stringify(method)} is not auto, create-option or attribute`);
  const givenUuid = ctx.text('uuid');
  const deterministic = ctx.flag('deterministic');
  if (givenUuid !== undefined && deterministic) throw new UsageError('--uuid and --deterministic exclude each other');

  const loaded = await loadDomain(ctx, ctx.positionals[0]);
  if ('exit' in loaded) return loaded.exit;
  const domain = loaded.model;

  let uuid: string;
  if (givenUuid !== undefined) {
    const n = normaliseUuid(givenUuid);
    if (n === null) throw new UsageError(`--uuid ${JSON.stringify(givenUuid)} is not a UUID (E_UUID_INVALID)`);
    uuid = n;
  } else if (deterministic) {
    if (domain.uuid === null) {
      ctx.out.err(`mdev-agg: ${domain.file}: --deterministic needs the domain's <uuid>, and it has none (E_UUID_INVALID)`);
      return EXIT.NO;
    }
    const { v5 } = require('uuid') as typeof import('uuid');
    uuid = v5(`${domain.uuid}/mdev/${nextDeviceIndex(domain)}`, DEVICE_NAMESPACE);
  } else {
    const { v4 } = require('uuid') as typeof import('uuid');
    uuid = v4();
  }
  if (domain.hostdevs.some((h) => h.uuid === uuid)) {
    ctx.out.err(`mdev-agg: ${domain.file}: an mdev hostdev with UUID ${uuid} exists already (E_UUID_DUPLICATE)`);
    return EXIT.NO;
  }

  const text = addDevice(domain, { uuid, type, instances, parent, method, source: null, model });
  if (refusedAsTooLarge(ctx, text, domain.file)) return EXIT.NO;
  const expected = modelSummary(domain);
  expected.devices.push({ uuid, model, type, instances, parent, method, source: null });
  expected.hostdevs.push({ uuid, model, display: null, ramfb: null });
  checkSameModel(expected, readDomain(text, domain.file));
  ctx.out.document(text);
  if (!ctx.flags.quiet) ctx.out.err(`mdev-agg: added mdev ${uuid} (${type} x${instances})`);
  return EXIT.OK;
}

function required(value: string | undefined, flag: string): string {
  if (value === undefined) throw new UsageError(`add: ${flag} is required`);
  return value;
}
