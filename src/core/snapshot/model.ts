/** A host snapshot (DESIGN 1.3): one host's HostModel with the host's name and when it was taken. */
import type { HostModel } from '../host-model';

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
