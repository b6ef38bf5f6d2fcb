/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON mapping each tensor name to
 * {"dtype", "shape", "data_offsets": [begin, end]} (offsets into the byte
 * buffer that follows; an optional "__metadata__" maps strings to strings),
 * then the raw little-endian tensor bytes.
 *
 * The reader checks every header field against the file before reading data:
 * the header must fit in the file, each tensor's byte range must lie in the
 * buffer and match its shape and dtype, so no allocation is sized by an
 * untrusted number larger than the file.
 */

import { bfloat16ToNumber, halfToNumber } from './halfFloat';

export const SAFETENSORS_DTYPES = ['F64', 'F32', 'F16', 'BF16'] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

const ITEM_SIZE: Record<SafetensorsDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

export interface Tensor {
  shape: number[];
  /** Values converted to float32 (as PyTorch's `.float()` would). */
  data: Float32Array;
  dtype: SafetensorsDtype;
}

export interface SafetensorsFile {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

export class SafetensorsFormatError extends Error {}

function decodeTensor(view: DataView, dtype: SafetensorsDtype, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'F64':
        out[i] = view.getFloat64(i * 8, true);
        break;
      case 'F32':
        out[i] = view.getFloat32(i * 4, true);
        break;
      case 'F16':
        out[i] = halfToNumber(view.getUint16(i * 2, true));
        break;
      case 'BF16':
        out[i] = bfloat16ToNumber(view.getUint16(i * 2, true));
        break;
    }
  }
  return out;
}

function fail(message: string): never {
  throw new SafetensorsFormatError(message);
}

export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) fail(`header length ${headerLength} exceeds the file (${bytes.length} bytes)`);
  const headerEnd = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch {
    fail('header is not valid JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const bufferLength = bytes.length - headerEnd;
  const tensors = new Map<string, Tensor>();
  const ranges: { name: string; begin: number; end: number }[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail('__metadata__ is not an object');
      metadata = Object.fromEntries(Object.entries(entry as object).map(([k, v]) => [k, String(v)]));
      continue;
    }
    if (typeof entry !== 'object' || entry === null) fail(`tensor '${name}': entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(SAFETENSORS_DTYPES as readonly string[]).includes(dtype)) {
      fail(`tensor '${name}': dtype ${JSON.stringify(dtype)} is not supported (F64, F32, F16 or BF16)`);
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}': shape is not a list of sizes`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor '${name}': data_offsets is not [begin, end]`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end || end > bufferLength) fail(`tensor '${name}': data_offsets [${begin}, ${end}] lie outside the ${bufferLength}-byte buffer`);
    const size = ITEM_SIZE[dtype as SafetensorsDtype];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (count * size !== end - begin) fail(`tensor '${name}': shape [${shape.join(', ')}] needs ${count * size} bytes, offsets give ${end - begin}`);
    ranges.push({ name, begin, end });
    const tensorView = new DataView(bytes.buffer, bytes.byteOffset + headerEnd + begin, end - begin);
    tensors.set(name, { shape: shape as number[], data: decodeTensor(tensorView, dtype as SafetensorsDtype, count), dtype: dtype as SafetensorsDtype });
  }
  // Each byte of the buffer belongs to one tensor at most (the format's rule; two tensors on the same bytes are a damaged or crafted file).
  const sorted = ranges.filter((r) => r.end > r.begin).sort((a, b) => a.begin - b.begin);
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k].begin < sorted[k - 1].end) fail(`tensors '${sorted[k - 1].name}' and '${sorted[k].name}' share bytes ${sorted[k].begin}–${Math.min(sorted[k].end, sorted[k - 1].end)} of the buffer`);
  }
  return { tensors, metadata };
}

/** A safetensors file of float32 tensors, in the given order, header padded to 8 bytes as the reference writer does. */
export function encodeSafetensors(tensors: { name: string; shape: number[]; data: Float32Array }[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let position = 8 + headerBytes.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++) view.setFloat32(position + i * 4, t.data[i], true);
    position += t.data.length * 4;
  }
  return out;
}
