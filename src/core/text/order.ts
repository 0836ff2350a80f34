/**
 * The one order of names in the model and in every output: by UTF-16 code units, as `<` compares
 * strings (never the locale's collation, which differs between machines).
 */
export const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Items in the order of a name each holds. */
export const byKey =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    byCodeUnits(key(a), key(b));
