/** Every rewrite is read back before it is printed: an edit that changes the model is a defect. */
import { isDeepStrictEqual } from 'node:util';
import { diagnostic, hasErrors } from '../core/text/diagnostics';
import { type DomainResult, modelSummary } from '../core/reading/domain';
import { MAX_XML_BYTES } from '../core/xml/reader';
import type { CommandContext } from './context';
import { printFatalDiagnostics } from './diagnostics-printer';

/**
 * E_XML_TOO_LARGE when a rewrite is larger than any reader (this one, libvirt's) takes: the edit
 * of a domain just under the limit can cross it, and printing it would hand on a file no one reads.
 */
export function refusedAsTooLarge(ctx: CommandContext, text: string, file: string): boolean {
  const bytes = Buffer.byteLength(text);
  if (bytes <= MAX_XML_BYTES) return false;
  printFatalDiagnostics(ctx, [diagnostic('E_XML_TOO_LARGE', `the rewritten domain would be ${bytes} bytes, larger than the ${MAX_XML_BYTES} bytes it may have; nothing printed`, file, { line: 1, column: 1 })]);
  return true;
}

export function checkSameModel(expected: ReturnType<typeof modelSummary>, reread: DomainResult) {
  if (!reread.model || hasErrors(reread.diagnostics)) {
    throw new Error(`the rewritten XML does not read back: ${reread.diagnostics.map((d) => d.code).join(', ')}`);
  }
  if (!isDeepStrictEqual(modelSummary(reread.model), expected)) throw new Error('the rewritten XML reads back to a different model');
}
