/** A host snapshot (README, Migration checks): one host's HostModel with the host's name and when it was taken. */
import type { HostDevice, HostModel, HostParent, HostProblem } from '../host/host-model';
import { byKey } from '../text/order';

export const HOST_NS = 'urn:mdev-agg:host:1';

export interface HostSnapshot {
  /** The host's name, one line; null when unknown. */
  name: string | null;
  /** xs:dateTime of the reading; null when not recorded. */
  generated: string | null;
  host: HostModel;
}

/** The JSON form (`snapshot --json`): the same content as the XML, nulls kept. */
export const snapshotJson = (snapshot: HostSnapshot) => ({
  name: snapshot.name,
  generated: snapshot.generated,
  parents: snapshot.host.parents,
  devices: snapshot.host.devices,
  problems: snapshot.host.problems,
});

/** A snapshot in the model's order (parents and their types by name, devices by UUID), as readHost gives it. */
export function sortedSnapshot(name: string | null, generated: string | null, parents: HostParent[], devices: HostDevice[], problems: HostProblem[]): HostSnapshot {
  for (const parent of parents) parent.types.sort(byKey((t) => t.id));
  parents.sort(byKey((p) => p.name));
  devices.sort(byKey((d) => d.uuid));
  return { name, generated, host: { parents, devices, problems } };
}
