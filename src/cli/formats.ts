/**
 * The file formats each kind of output takes, by extension, and the one
 * message that names the flag when a file name asks for another. A new output
 * format is a line here (and its writer in io/ or render/).
 */
import path = require('node:path');
import { UsageError } from '../errors';
import { writtenInPlace } from '../io/atomicWrite';

export const OUTPUT_KINDS = {
  /** Heatmaps: `heatmap --out`, `render --out`. '-' is PNG on stdout. */
  image: { extensions: ['png', 'svg', 'pdf'], stdout: 'png' },
  /** Kernel matrices: `kernel --out`, `heatmap --matrix`. '-' is CSV on stdout unless --format says otherwise. */
  matrix: { extensions: ['npy', 'csv', 'json'], stdout: 'csv' },
  /** Charts: `converge`, `drift`. */
  chart: { extensions: ['png', 'svg', 'pdf'], stdout: null },
  /** A strip of heatmaps side by side. */
  strip: { extensions: ['png'], stdout: null },
  /** Networks: `--save-model`. */
  model: { extensions: ['safetensors'], stdout: null },
  /** Inputs: `--save-inputs`. */
  samples: { extensions: ['npy'], stdout: null },
  /** Merged kernels and blocks. */
  npy: { extensions: ['npy'], stdout: null },
} as const;

export type OutputKind = keyof typeof OUTPUT_KINDS;

function list(extensions: readonly string[]): string {
  const names = extensions.map((e) => `.${e}`);
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

/** The extensions of a kind, for --help: ".png, .svg or .pdf". */
export function extensionList(kind: OutputKind): string {
  return list(OUTPUT_KINDS[kind].extensions);
}

/**
 * The format `file` asks for: its extension (lower case), or the kind's stdout
 * format for '-' where the flag can write to stdout. Throws a UsageError
 * naming the flag otherwise.
 */
export function outputFormat(kind: OutputKind, flag: string, file: string, allowStdout = true): string {
  const spec = OUTPUT_KINDS[kind];
  const stdout = allowStdout ? spec.stdout : null;
  if (file === '-' && stdout) return stdout;
  const ext = path.extname(file).slice(1).toLowerCase();
  if ((spec.extensions as readonly string[]).includes(ext)) return ext;
  // A device or a pipe (/dev/null, a shell's >(…)) is written in place, in the format stdout would get;
  // so is /dev/stdout where stdout is redirected to a file.
  if (file !== '-' && writtenInPlace(file)) return spec.stdout ?? spec.extensions[0];
  throw new UsageError(`${flag} ${file}: expected a ${list(spec.extensions)} file name${stdout ? ", or '-'" : ''}`);
}

/**
 * The format of an output that takes --format: stdout ('-') and a device or
 * pipe without a known extension take --format (default: the kind's stdout
 * format); a file name takes its extension, and a --format that says
 * otherwise is refused.
 */
export function formatWithFlag(kind: OutputKind, flag: string, file: string, formatFlag: string | undefined): string {
  const ext = path.extname(file).slice(1).toLowerCase();
  const named = (OUTPUT_KINDS[kind].extensions as readonly string[]).includes(ext);
  if ((file === '-' || writtenInPlace(file)) && !named) return formatFlag ?? OUTPUT_KINDS[kind].stdout ?? OUTPUT_KINDS[kind].extensions[0];
  const format = outputFormat(kind, flag, file);
  if (formatFlag !== undefined && formatFlag !== format) throw new UsageError(`--format ${formatFlag} contradicts ${flag} ${file}`);
  return format;
}
