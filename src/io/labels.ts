/**
 * Class labels, one per sample: a .npy of numbers (any integer or float
 * dtype; shape [n] or [n, 1]) or a text file with one label per line, as
 * pandas writes a column: `series.to_csv(path, index=False)` (a header line,
 * then one label a line) or with its index (`,label` then `3,setosa`, …).
 * Lines are CSV records (a quoted field may hold commas and doubled quotes).
 * A line's label is its first field, or its second where the first is an
 * index: under pandas' header of an unnamed index (its first field empty), or
 * when the first fields count 0, 1, 2, …. The first line is a header when the
 * file has one line more than there are samples.
 */
import fs = require('node:fs');
import path = require('node:path');
import { npyHeaderFields, NpyFormatError } from './npy';

export class LabelsFormatError extends Error {}

/** Little-endian or big-endian integers and floats a label array may hold: [bytes, reader]. */
const NUMERIC: Record<string, [number, (view: DataView, offset: number, little: boolean) => number | bigint]> = {
  i1: [1, (v, o) => v.getInt8(o)],
  u1: [1, (v, o) => v.getUint8(o)],
  i2: [2, (v, o, l) => v.getInt16(o, l)],
  u2: [2, (v, o, l) => v.getUint16(o, l)],
  i4: [4, (v, o, l) => v.getInt32(o, l)],
  u4: [4, (v, o, l) => v.getUint32(o, l)],
  // 64-bit integers as exact decimals (a label above 2⁵³ is not a float's neighbour).
  i8: [8, (v, o, l) => v.getBigInt64(o, l)],
  u8: [8, (v, o, l) => v.getBigUint64(o, l)],
  f4: [4, (v, o, l) => v.getFloat32(o, l)],
  f8: [8, (v, o, l) => v.getFloat64(o, l)],
};

function npyLabels(bytes: Uint8Array): string[] {
  const header = npyHeaderFields(bytes);
  const match = /^([<>|=])([iuf]\d)$/.exec(header.descr);
  const kind = match ? NUMERIC[match[2]] : undefined;
  if (!match || !kind) throw new LabelsFormatError(`dtype '${header.descr}' is not a number type`);
  const [size, read] = kind;
  if (header.shape.length > 2 || (header.shape.length === 2 && header.shape[1] !== 1)) {
    throw new LabelsFormatError(`expected one label per row, shape (n,) or (n, 1); got (${header.shape.join(', ')})`);
  }
  const count = header.shape.reduce((a, b) => a * b, 1);
  if (header.dataOffset + count * size !== bytes.length) throw new LabelsFormatError(`shape (${header.shape.join(', ')}) does not match the file's length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataOffset, count * size);
  const little = match[1] !== '>';
  return Array.from({ length: count }, (_, i) => {
    const v = read(view, i * size, little);
    if (typeof v === 'number' && !Number.isFinite(v)) throw new LabelsFormatError(`label ${i} is ${v}`);
    return String(v);
  });
}

/** A CSV record's fields: a quoted field keeps its commas and spaces, and "" is a quote within it; an unquoted one is trimmed. */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  const end = () => {
    fields.push(wasQuoted ? field : field.trim());
    [field, wasQuoted] = ['', false];
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') field += line[++i];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field.trim() === '' && !wasQuoted) {
      [field, quoted, wasQuoted] = ['', true, true];
    } else if (c === ',') end();
    else if (!wasQuoted) field += c; // spaces after a closing quote are not the label's
  }
  end();
  return fields;
}

function textLabels(text: string, expected: number | undefined): string[] {
  let records = text.split(/\r?\n/).filter((line) => line.trim() !== '').map(csvFields);
  // pandas writes an unnamed index's header field empty: ",species".
  let indexed = false;
  if (expected !== undefined && records.length === expected + 1) {
    indexed = records[0]!.length >= 2 && records[0]![0] === '';
    records = records.slice(1);
  }
  indexed ||= records.length > 0 && records.every((f, i) => f.length >= 2 && f[0] === String(i));
  return records.map((f, i) => {
    const label = indexed ? f[1] : f[0];
    if (label === undefined || label === '') throw new LabelsFormatError(`label ${i} is missing${indexed ? ' (the line has its index and nothing after it)' : ''}`);
    return label;
  });
}

/** Read labels from `file` (`expected` of them, when known); throws LabelsFormatError with the reason. */
export function readLabels(file: string, expected?: number): string[] {
  const bytes = fs.readFileSync(file);
  if (path.extname(file).toLowerCase() === '.npy') {
    try {
      return npyLabels(bytes);
    } catch (error) {
      if (error instanceof NpyFormatError) throw new LabelsFormatError(error.message);
      throw error;
    }
  }
  const labels = textLabels(bytes.toString('utf8'), expected);
  if (labels.length === 0) throw new LabelsFormatError('no labels');
  return labels;
}
