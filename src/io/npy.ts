/**
 * NumPy's .npy format (numpy.lib.format, versions 1.0–3.0): the magic
 * "\x93NUMPY", a version, a little-endian header length (2 bytes in 1.0,
 * 4 bytes in 2.0/3.0), a Python-literal dict {'descr', 'fortran_order',
 * 'shape'} padded to a multiple of 64 bytes, then the raw array.
 *
 * The reader trusts nothing in the header: the data length must equal the
 * product of the shape times the item size, so no allocation is ever sized
 * by a header larger than the file.
 */

export type NpyDtype = 'float32' | 'float64';

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Values in C (row-major) order, whatever the file's order. */
  data: Float32Array | Float64Array;
}

export class NpyFormatError extends Error {}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCRS: Record<string, { dtype: NpyDtype; littleEndian: boolean }> = {
  '<f4': { dtype: 'float32', littleEndian: true },
  '>f4': { dtype: 'float32', littleEndian: false },
  '<f8': { dtype: 'float64', littleEndian: true },
  '>f8': { dtype: 'float64', littleEndian: false },
};

function headerField(header: string, key: string): string {
  const match = new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\))`).exec(header);
  if (!match) throw new NpyFormatError(`header has no '${key}'`);
  return match[1];
}

function parseShape(literal: string): number[] {
  const inner = literal.slice(1, -1).trim();
  if (inner === '') return [];
  const parts = inner.split(',').map((p) => p.trim());
  if (parts[parts.length - 1] === '') parts.pop();
  return parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new NpyFormatError(`shape entry '${p}' is not a whole number`);
    const v = Number(p);
    if (!Number.isSafeInteger(v)) throw new NpyFormatError(`shape entry ${p} is too large`);
    return v;
  });
}

/** Row-major copy of a Fortran-ordered (column-major) array. */
function toRowMajor<T extends Float32Array | Float64Array>(data: T, shape: number[]): T {
  if (shape.length < 2) return data;
  const out = new (data.constructor as { new (n: number): T })(data.length);
  const strideF: number[] = [];
  let s = 1;
  for (const dim of shape) {
    strideF.push(s);
    s *= dim;
  }
  const index = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let a = 0; a < shape.length; a++) f += index[a] * strideF[a];
    out[c] = data[f];
    for (let a = shape.length - 1; a >= 0; a--) {
      if (++index[a] < shape[a]) break;
      index[a] = 0;
    }
  }
  return out;
}

export interface NpyHeader {
  dtype: NpyDtype;
  littleEndian: boolean;
  fortran: boolean;
  shape: number[];
  /** Byte offset of the data. */
  dataOffset: number;
  /** Bytes of data the shape needs. */
  dataBytes: number;
}

/** The header of a .npy file from its first bytes (the whole header must be in `bytes`). */
/** The header's fields as written: the dtype descriptor, order, shape, and where the data starts. */
export function npyHeaderFields(bytes: Uint8Array): { descr: string; fortran: boolean; shape: number[]; dataOffset: number } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new NpyFormatError('not a .npy file (bad magic)');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyFormatError('truncated header');
    headerStart = 12;
    headerLength = view.getUint32(8, true);
  } else {
    throw new NpyFormatError(`unsupported .npy version ${major}`);
  }
  const dataOffset = headerStart + headerLength;
  if (dataOffset > bytes.length) throw new NpyFormatError('truncated header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataOffset));
  const descr = headerField(header, 'descr').slice(1, -1);
  const fortran = headerField(header, 'fortran_order') === 'True';
  const shape = parseShape(headerField(header, 'shape'));
  return { descr, fortran, shape, dataOffset };
}

export function parseNpyHeader(bytes: Uint8Array): NpyHeader {
  const { descr, fortran, shape, dataOffset } = npyHeaderFields(bytes);
  const kind = DESCRS[descr];
  if (!kind) throw new NpyFormatError(`dtype '${descr}' is not supported (float32 or float64 expected)`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataBytes = count * (kind.dtype === 'float32' ? 4 : 8);
  return { dtype: kind.dtype, littleEndian: kind.littleEndian, fortran, shape, dataOffset, dataBytes };
}

/** Values from raw little- or big-endian bytes. */
export function decodeValues(bytes: Uint8Array, header: Pick<NpyHeader, 'dtype' | 'littleEndian'>, out?: Float32Array | Float64Array): Float32Array | Float64Array {
  const itemSize = header.dtype === 'float32' ? 4 : 8;
  const count = bytes.length / itemSize;
  const data = out ?? (header.dtype === 'float32' ? new Float32Array(count) : new Float64Array(count));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (header.dtype === 'float32') for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, header.littleEndian);
  else for (let i = 0; i < count; i++) data[i] = view.getFloat64(i * 8, header.littleEndian);
  return data;
}

export function parseNpy(bytes: Uint8Array): NpyArray {
  const header = parseNpyHeader(bytes);
  const available = bytes.length - header.dataOffset;
  if (header.dataBytes !== available) {
    throw new NpyFormatError(`shape (${header.shape.join(', ')}) needs ${header.dataBytes} data bytes, file has ${available}`);
  }
  const data = decodeValues(bytes.subarray(header.dataOffset), header);
  return { dtype: header.dtype, shape: header.shape, data: header.fortran ? toRowMajor(data, header.shape) : data };
}

/** The .npy 1.0 header for a C-ordered little-endian array, padded so the data starts on a 64-byte boundary. */
export function npyHeader(dtype: NpyDtype, shape: number[]): Uint8Array {
  const descr = dtype === 'float32' ? '<f4' : '<f8';
  const shapeLiteral = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeLiteral}, }`;
  const unpadded = 10 + dict.length + 1;
  dict += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + dict.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, dict.length, true);
  out.set(new TextEncoder().encode(dict), 10);
  return out;
}

/** A whole .npy file: the header, then the values (converted to `dtype`) in little-endian order. */
export function encodeNpy(values: ArrayLike<number>, shape: number[], dtype: NpyDtype = 'float32'): Uint8Array {
  const header = npyHeader(dtype, shape);
  const itemSize = dtype === 'float32' ? 4 : 8;
  const out = new Uint8Array(header.length + values.length * itemSize);
  out.set(header, 0);
  const view = new DataView(out.buffer, header.length);
  if (dtype === 'float32') for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  else for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  return out;
}
