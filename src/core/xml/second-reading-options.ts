import { MAX_XML_BYTES, MAX_XML_DEPTH } from './limits';

/**
 * fast-xml-parser's options, as the reference configures it for untrusted input: the second
 * reading's only configuration (the benchmark times the same reading as the floor of `validate`).
 */
export const SECOND_READING_OPTIONS = Object.freeze({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  preserveOrder: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Only the five XML entities and numeric references; DOCTYPEs are refused before parsing, so
  // no reference expands to more than one character and the limits need only cover the input.
  htmlEntities: {} as unknown as boolean, // an empty map: numeric references on, no HTML names
  processEntities: { enabled: true, maxEntityCount: 0, maxEntitySize: 1, maxTotalExpansions: MAX_XML_BYTES, maxExpandedLength: MAX_XML_BYTES },
  maxNestedTags: MAX_XML_DEPTH + 1,
} as const);
