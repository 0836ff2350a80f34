/**
 * The CLI as a function: `run(argv, stdin, env)` -> `{code, stdout, stderr}`. It parses the
 * command line, dispatches to a command loaded on demand, and turns every failure into an exit
 * code and a message; bad input never becomes a stack trace.
 */
import { parseArgs } from 'node:util';
import { readNamedFile, tooLargeInput } from './named-file';
import { MAX_JSON_BYTES } from '../core/text/json-text';
import { COMMANDS, type CommandSpec, type OptionSpec, GLOBAL_OPTIONS, mainHelp, commandHelp } from './command-table';
import { type CommandContext, type Env, EXIT, type Host, Output, type RunOptions, type RunResult, type Stdin, UsageError } from './context';
// package.json is the one place the version is written; the bundle takes only this field.
import { version } from '../../package.json';
import { systemClock } from '../shell/clock';
import { checkedRoot, openHost } from './host-access';
import { sanitiseLine } from '../core/text/terminal-text';

const VERSION: string = version;

export async function run(argv: readonly string[], stdin: Stdin, env: Env, options: RunOptions = {}): Promise<RunResult> {
  const out = new Output();
  try {
    const code = await dispatch(argv, stdin, env, options, out);
    return out.result(code);
  } catch (e) {
    if (e instanceof UsageError) {
      out.err(`mdev-agg: ${sanitiseLine(e.message)}`);
      // libvirt shows a hook's stderr in its error: the hook's failure stays one line.
      if (!(argv[0] === 'hook' && argv[1] === 'run')) out.err(`Try 'mdev-agg ${argv[0] && COMMANDS.has(argv[0]) ? `${argv[0]} ` : ''}--help'.`);
      return out.result(EXIT.USAGE);
    }
    // A defect, not bad input: say so plainly, with the detail a report needs.
    out.err(`mdev-agg: internal error: ${(e as Error)?.message ?? String(e)}`);
    return out.result(EXIT.HOST);
  }
}

async function dispatch(argv: readonly string[], stdin: Stdin, env: Env, options: RunOptions, out: Output) {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    out.out(mainHelp());
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (name === '--version' || name === '-V') {
    out.out(`mdev-agg ${VERSION}`);
    return EXIT.OK;
  }
  const spec = COMMANDS.get(name);
  if (!spec) throw new UsageError(`unknown command '${name}'`);
  const parsed = parseCommandLine(spec, rest);
  if (parsed.values.help) {
    out.out(commandHelp(spec));
    return EXIT.OK;
  }
  if (parsed.values.version) {
    out.out(`mdev-agg ${VERSION}`);
    return EXIT.OK;
  }
  const cwd = options.cwd ?? process.cwd();
  let stdinRead = false;
  const declared: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...spec.options };
  // Asking for an option the command does not declare, or as another type, is a defect of the command.
  const option = (name: string, type: OptionSpec['type']) => {
    if (declared[name]?.type !== type || declared[name]?.multiple) throw new Error(`${spec.name}: --${name} is not a declared ${type} option`);
    return (parsed.values as Record<string, unknown>)[name];
  };
  const hosts = new Map<boolean, Host>();
  const context: CommandContext = {
    positionals: parsed.positionals,
    text: (name) => option(name, 'string') as string | undefined,
    flag: (name) => option(name, 'boolean') === true,
    cwd,
    nodePath: options.nodePath ?? process.execPath,
    clock: options.clock ?? systemClock,
    root: () => checkedRoot(context),
    host(simulate = false) {
      let host = hosts.get(simulate);
      if (!host) hosts.set(simulate, (host = openHost(context, simulate)));
      return host;
    },
    flags: {
      root: parsed.values.root as string | undefined,
      json: parsed.values.json === true,
      quiet: parsed.values.quiet === true,
    },
    env,
    out,
    options,
    async readInput(path, limit = MAX_JSON_BYTES) {
      if (path === '-') {
        if (stdinRead) return { ok: false, message: 'standard input can be read only once' };
        stdinRead = true;
        let data: Uint8Array | string;
        try {
          data = typeof stdin === 'function' ? await stdin() : stdin;
        } catch (e) {
          // A directory, a closed or failing descriptor, a writer that never finished: no input, with a reason.
          const code = (e as NodeJS.ErrnoException)?.code;
          return { ok: false, message: `standard input cannot be read: ${typeof code === 'string' ? code : 'EIO'}${(e as Error)?.message?.includes('did not end') ? ` (${(e as Error).message})` : ''}` };
        }
        const bytes = typeof data === 'string' ? Buffer.from(data) : data;
        return bytes.length > limit ? tooLargeInput(path, limit) : { ok: true, data: bytes };
      }
      // Synchronous: validate reads thousands of files one after another, and a promise per
      // file costs more than the read (fs/promises also stays unloaded on the hook's path).
      return readNamedFile(cwd, path, limit);
    },
  };
  const handler = await spec.load();
  return handler(context);
}

export function parseCommandLine(spec: CommandSpec, args: string[]) {
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...spec.options };
  const config = Object.fromEntries(
    Object.entries(all).map(([key, o]) => [key, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args, options: config, allowPositionals: true, strict: true });
  } catch (e) {
    // Node's messages run over several lines; a usage error is one.
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\s*\n\s*/g, ' '));
  }
  if (parsed.values.help || parsed.values.version) return parsed;
  refuseEmptyPaths(all, parsed.values);
  const [min, max] = spec.positionals;
  if (parsed.positionals.length < min) throw new UsageError(`${spec.name}: missing ${spec.positionalName}`);
  if (parsed.positionals.length > max) throw new UsageError(`${spec.name}: unexpected argument '${parsed.positionals[max]}'`);
  return parsed;
}

/** The placeholders of options whose value is a path (`--root DIR`, `--policy FILE`, `--source SNAP`). */
const PATH_ARGS = new Set(['DIR', 'FILE', 'SNAP']);

/**
 * An empty path is a usage error: `--root ''` (an unset shell variable) would otherwise mean the
 * real host, `--out ''` the working directory. (An empty MDEV_AGG_ROOT is unset, as usual for
 * environment variables.)
 */
function refuseEmptyPaths(options: Record<string, OptionSpec>, values: Record<string, unknown>): void {
  for (const [name, option] of Object.entries(options)) {
    if (!option.arg || !PATH_ARGS.has(option.arg)) continue;
    const given = values[name];
    if (given === '' || (Array.isArray(given) && given.includes(''))) throw new UsageError(`--${name} is empty: give a ${option.arg === 'DIR' ? 'directory' : 'file'}`);
  }
}
