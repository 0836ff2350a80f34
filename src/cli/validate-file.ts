/**
 * What `validate` says of one file: the same function in the command's thread and in its worker
 * threads, so a file's verdict does not depend on which thread read it.
 */
import { type Diagnostic, diagnostic, hasErrors } from '../core/text/diagnostics';
import { readDomain } from '../core/reading/domain';
import { MAX_XML_BYTES, tooLargeDiagnostic } from '../core/xml/reader';
import { type InputResult, readNamedFile } from './named-file';

export interface FileVerdict {
  /** As shown: the path given, `<stdin>` for `-`. */
  file: string;
  ok: boolean;
  devices: number;
  /** The file could not be read (exit 2), as opposed to read and found invalid. */
  unreadable: boolean;
  diagnostics: Diagnostic[];
}

export function fileVerdict(path: string, input: InputResult): FileVerdict {
  const file = path === '-' ? '<stdin>' : path;
  if (!input.ok) {
    const refusal = input.tooLarge ? tooLargeDiagnostic(file) : diagnostic('E_INPUT_UNREADABLE', input.message, file, { line: 1, column: 1 });
    return { file, ok: false, devices: 0, unreadable: !input.tooLarge, diagnostics: [refusal] };
  }
  const { model, diagnostics } = readDomain(input.data, file);
  return { file, ok: !hasErrors(diagnostics), devices: model?.devices.length ?? 0, unreadable: false, diagnostics };
}

/** The verdict of a named file (not standard input), read as every thread reads one: no promise per file. */
export const namedFileVerdict = (cwd: string, path: string): FileVerdict => fileVerdict(path, readNamedFile(cwd, path, MAX_XML_BYTES));
