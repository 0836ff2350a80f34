/** POSIX sh single quoting: safe for any byte string without NUL (inside '' only ' itself needs care). */
export const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
