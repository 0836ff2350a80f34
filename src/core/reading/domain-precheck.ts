/**
 * A test on the raw bytes of a domain that is cheaper than reading it: libvirt runs the hook for
 * every guest, and most guests have no aggregated mdevs. A domain whose text names neither the
 * container's namespace URI nor an inline `<aggregation` element has no entry mdev-agg could read
 * (libvirt writes namespace URIs literally, never as character references).
 */
import { AGGREGATION_NS } from './aggregation-ns';

/** Plain ASCII strings: the installed wrapper's grep looks for the same ones. */
export const AGGREGATION_MARKERS: readonly string[] = [AGGREGATION_NS, '<aggregation'];

export function mentionsAggregation(data: Uint8Array): boolean {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return AGGREGATION_MARKERS.some((marker) => bytes.includes(marker));
}
