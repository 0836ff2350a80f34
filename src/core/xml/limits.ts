/** What a document may be: larger or deeper ones are refused before anything is built from them. */
export const MAX_XML_BYTES = 4 * 1024 * 1024;
export const MAX_XML_DEPTH = 64;
