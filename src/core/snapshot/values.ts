/** The value rules of schemas/host.rng, shared by the snapshot writer and reader. */
import { parseKernelUnsigned } from '../names';
import { withoutNonXmlChars } from '../xml/escape';

/** One non-empty line that XML can carry unchanged. */
export const isOneLine = (text: string): boolean => text.length > 0 && !/[\n\r]/.test(text) && withoutNonXmlChars(text) === text;

export const isPciId = (text: string): boolean => /^[0-9a-f]{4}$/.test(text);

export const isLowerUuid = (text: string): boolean => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(text);

// xs:dateTime: date, time with optional fraction, optional zone.
const DATE_TIME = /^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?$/;
export const isDateTime = (text: string): boolean => DATE_TIME.test(text);

/** Canonical unsigned decimal 0..4294967295 (no sign, no leading zero); null otherwise. */
export const parseCount = (text: string): number | null => (text.endsWith('\n') ? null : parseKernelUnsigned(text));
