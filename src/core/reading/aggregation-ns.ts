/** The namespace URI of mdev-agg's metadata container; the URI decides, never the prefix. */
export const AGGREGATION_NS = 'urn:mdev-agg:aggregation:1';
