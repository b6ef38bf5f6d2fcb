/** Matrices as comma-separated text: one row per line, no header. */

/** 10^0 … 10^22: the powers of ten a double holds exactly. */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** The shortest decimal that reads back as the same float32, by trying 1 … 9 significant digits (reference). */
function shortestByPrecision(t: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const n = Number(t.toPrecision(digits));
    if (Math.fround(n) === t) return n;
  }
  return Number(t.toPrecision(9));
}

/**
 * a (float32, > 0) rounded to `digits` significant digits, given e = ⌊log10 a⌋,
 * as an integer m (a ≈ m·10^(e−digits+1)); −1 when that decimal does not read
 * back as a. With the power of ten exact, m/10^j and m·10^j are correctly
 * rounded doubles, so the check is the one Math.fround(Number(text)) makes.
 */
function mantissaAt(a: number, digits: number, e: number): number {
  const j = digits - 1 - e;
  const m = j >= 0 ? Math.round(a * POW10[j]) : Math.round(a / POW10[-j]);
  const back = j >= 0 ? m / POW10[j] : m * POW10[-j];
  return Math.fround(back) === a ? m : -1;
}

/** Integer digits m at `digits` significant digits, leading exponent e, laid out as JavaScript's String(number) does. */
function layout(negative: boolean, m: number, digits: number, e: number): string {
  let text = String(m);
  const point = e + 1 + (text.length - digits); // a carry (9.9999… → 10) lengthens m
  let k = text.length;
  while (k > 1 && text.charCodeAt(k - 1) === 48) k--;
  text = text.slice(0, k);
  let out: string;
  if (k <= point && point <= 21) out = text + '0'.repeat(point - k);
  else if (0 < point && point <= 21) out = `${text.slice(0, point)}.${text.slice(point)}`;
  else if (-6 < point && point <= 0) out = `0.${'0'.repeat(-point)}${text}`;
  else out = `${text[0]}${k > 1 ? '.' + text.slice(1) : ''}e${point - 1 >= 0 ? '+' : '-'}${Math.abs(point - 1)}`;
  return negative ? `-${out}` : out;
}

/**
 * The shortest decimal that reads back as the same float32 (at most 9
 * significant digits). A float32 holds 24 bits ≈ 7.2 digits, so the search
 * starts at 7 and moves down (rare short values) or up (8 or 9); it works on
 * integers rather than toPrecision strings, which makes CSV output about 10×
 * faster. Magnitudes whose powers of ten a double cannot hold exactly fall
 * back to the string search.
 */
export function formatFloat32(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf';
  const t = Math.fround(value);
  if (t === 0) return Object.is(t, -0) ? '-0' : '0';
  const a = Math.abs(t);
  const e = Math.floor(Math.log10(a));
  if (e < -13 || e > 13) return String(shortestByPrecision(t));
  let digits = 7;
  let m = mantissaAt(a, digits, e);
  if (m < 0) {
    for (digits = 8; digits <= 9 && m < 0; digits++) m = mantissaAt(a, digits, e);
    digits--;
    if (m < 0) return String(shortestByPrecision(t));
  } else {
    for (let fewer = mantissaAt(a, digits - 1, e); digits > 1 && fewer >= 0; fewer = mantissaAt(a, digits - 1, e)) {
      m = fewer;
      digits--;
    }
  }
  return layout(t < 0, m, digits, e);
}

export function formatCsv(values: ArrayLike<number>, rows: number, cols: number, format = formatFloat32): string {
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells = new Array<string>(cols);
    for (let c = 0; c < cols; c++) cells[c] = format(values[r * cols + c]);
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

export class CsvFormatError extends Error {}

export interface CsvMatrix {
  values: Float64Array;
  rows: number;
  cols: number;
  header: string[] | null;
  /** The file line (from 1) of each data row, for messages. */
  lines: Int32Array;
}

/** Plain decimal numbers only: JavaScript's 0x10, 0b11 or 1_000 are not numbers in a CSV file. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/;

/** The number a cell holds (numpy's nan, inf and -inf included), or null. */
function parseCell(cell: string): number | null {
  const text = cell.trim().toLowerCase();
  if (text === 'nan' || text === '+nan' || text === '-nan') return NaN;
  if (text === 'inf' || text === '+inf' || text === 'infinity' || text === '+infinity') return Infinity;
  if (text === '-inf' || text === '-infinity') return -Infinity;
  return DECIMAL.test(text) ? Number(text) : null;
}

/**
 * A numeric matrix from comma-separated text: one row per line, the same
 * number of cells on every line, blank lines ignored. A first line none of
 * whose cells is a number is a header; a first line with some numbers is
 * data, so a typo in it is an error, not a header. `nan`, `inf` and `-inf`
 * are read as numpy writes them. Positions in messages are file lines.
 */
export function parseCsv(text: string): CsvMatrix {
  return parseCsvBytes(Buffer.from(text, 'utf8'));
}

/** Pieces of about this many bytes are decoded to text at a time: a file of any size stays below V8's string limit. */
const PIECE_BYTES = 1 << 26;

/** The same, from the file's bytes, decoded piece by piece (each piece ends at a line break). */
export function parseCsvBytes(bytes: Uint8Array, pieceBytes = PIECE_BYTES): CsvMatrix {
  let header: string[] | null = null;
  let cols = -1;
  let lineNumber = 0;
  const blocks: Float64Array[] = [];
  const numbers: number[] = [];
  for (let start = 0; start < bytes.length; ) {
    let end = Math.min(bytes.length, start + pieceBytes);
    if (end < bytes.length) {
      const newline = bytes.indexOf(0x0a, end);
      end = newline < 0 ? bytes.length : newline + 1;
    }
    const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
    const lines = text.split(/\r?\n/);
    if (end < bytes.length || text.endsWith('\n')) lines.pop(); // the empty text after the piece's last line break
    const values: number[] = [];
    for (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      const cells = line.split(',');
      if (cols < 0) {
        if (header === null && blocks.length === 0 && numbers.length === 0 && cells.every((cell) => parseCell(cell) === null)) {
          header = cells.map((c) => c.trim());
          cols = -2; // the next line with content sets the width
          continue;
        }
      }
      if (cols < 0) cols = cells.length;
      if (cells.length !== cols) throw new CsvFormatError(`line ${lineNumber} has ${cells.length} cells, expected ${cols}`);
      for (let c = 0; c < cols; c++) {
        const value = parseCell(cells[c]);
        if (value === null) throw new CsvFormatError(`line ${lineNumber}, column ${c + 1}: '${cells[c].trim()}' is not a number`);
        values.push(value);
      }
      numbers.push(lineNumber);
    }
    blocks.push(Float64Array.from(values));
    start = end;
  }
  if (numbers.length === 0) throw new CsvFormatError(header ? 'a header but no rows' : 'no rows');
  const all = new Float64Array(numbers.length * cols);
  let at = 0;
  for (const block of blocks) {
    all.set(block, at);
    at += block.length;
  }
  return { values: all, rows: numbers.length, cols, header, lines: Int32Array.from(numbers) };
}
