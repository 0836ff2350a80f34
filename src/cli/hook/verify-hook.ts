/**
 * reconnect: libvirtd restarted and reattaches to a running guest. A non-zero exit would make
 * libvirt kill that guest, so this only reports, on stderr, devices that are not as declared, and
 * always exits 0, whatever goes wrong.
 */
import { hasErrors } from '../../core/text/diagnostics';
import { readDomain } from '../../core/reading/domain';
import { readHost } from '../../core/host/read-host';
import { domainStatus } from '../../core/plan/status';
import { type CommandContext, EXIT, type ExitCode } from '../context';
import type { HookCall } from './run-hook';

export function verifyHook(ctx: CommandContext, call: HookCall, xml: Uint8Array): ExitCode {
  try {
    const { model, diagnostics } = readDomain(xml, '<stdin>');
    if (!model || hasErrors(diagnostics)) {
      call.log.fail(diagnostics, 'cannot check the devices', 'warning');
      return EXIT.OK;
    }
    if (model.devices.length === 0) return EXIT.OK;
    const wrong = domainStatus(model, readHost(ctx.host().sysfs)).filter((s) => s.state !== 'present');
    if (wrong.length) {
      const each = wrong.map((s) => `${s.uuid} ${s.state === 'absent' ? 'is absent' : s.state === 'unreadable' ? `cannot be checked (${s.problem})` : `is ${s.actual!.type} x${s.actual!.instances} on ${s.actual!.parent}`}`);
      call.log.say('warning', 'W_DEVICE_NOT_AS_DECLARED', `mdev-agg: reconnect of guest '${call.guest}': ${wrong.length} of ${model.devices.length} aggregated mdevs not as declared: ${each.join('; ')}`);
    }
  } catch (e) {
    call.log.say('warning', 'W_CHECK_FAILED', `mdev-agg: reconnect of guest '${call.guest}': the check failed: ${(e as Error)?.message ?? String(e)}`);
  }
  return EXIT.OK;
}
