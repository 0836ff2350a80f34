/** The former name of the diagnostics printer, kept while a command still imports it from here. */
export { printDiagnostics, printJson } from './diagnostics-printer';
