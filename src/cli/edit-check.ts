/** Every rewrite is read back before it is printed: an edit that changes the model is a defect. */
import { isDeepStrictEqual } from 'node:util';
import { hasErrors } from '../core/diagnostics';
import { type DomainResult, modelSummary } from '../core/domain';

export function checkSameModel(expected: ReturnType<typeof modelSummary>, reread: DomainResult) {
  if (!reread.model || hasErrors(reread.diagnostics)) {
    throw new Error(`the rewritten XML does not read back: ${reread.diagnostics.map((d) => d.code).join(', ')}`);
  }
  if (!isDeepStrictEqual(modelSummary(reread.model), expected)) throw new Error('the rewritten XML reads back to a different model');
}
