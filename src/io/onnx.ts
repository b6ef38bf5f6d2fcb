/**
 * ONNX model files (.onnx): a protobuf ModelProto, decoded with onnx-proto
 * (the ONNX schema compiled for protobufjs), into plain data (onnx/model.ts).
 * Initializers stored outside the file (external data, as exporters write
 * models over 2 GB) are read from their files beside the model. Anything
 * that is not a model, or a graph ntk-cli cannot hold (another domain's ops,
 * sparse or string tensors), is an OnnxFileError naming what.
 */
import fs = require('node:fs');
import path = require('node:path');
import { bfloat16ToNumber, halfToNumber } from './halfFloat';
import type { AttributeValue, ElementType, OnnxModel, OnnxNode, OnnxTensor, OnnxValueInfo } from '../onnx/model';

export class OnnxFileError extends Error {}

// The protobuf types, as onnx-proto declares them (loaded only when a model is read).
type Proto = typeof import('onnx-proto').onnx;
type TensorProto = import('onnx-proto').onnx.ITensorProto;
type AttributeProto = import('onnx-proto').onnx.IAttributeProto;
type ValueInfoProto = import('onnx-proto').onnx.IValueInfoProto;
type Long = { toNumber(): number } | number;

const DATA_TYPES: Record<number, { type: ElementType; bytes: number; name: string }> = {
  1: { type: 'float32', bytes: 4, name: 'float' },
  2: { type: 'int32', bytes: 1, name: 'uint8' },
  3: { type: 'int32', bytes: 1, name: 'int8' },
  5: { type: 'int32', bytes: 2, name: 'int16' },
  6: { type: 'int32', bytes: 4, name: 'int32' },
  7: { type: 'int32', bytes: 8, name: 'int64' },
  9: { type: 'bool', bytes: 1, name: 'bool' },
  10: { type: 'float32', bytes: 2, name: 'float16' },
  11: { type: 'float32', bytes: 8, name: 'double' },
  16: { type: 'float32', bytes: 2, name: 'bfloat16' },
};

const INT32_MAX = 2 ** 31 - 1;

function toNumber(value: Long): number {
  return typeof value === 'number' ? value : value.toNumber();
}

/** An int64 as an int32, clamped: ONNX writes "to the end" as INT64_MAX in Slice, and no shape or index here exceeds 2³¹. */
function clamp64(value: number | bigint): number {
  const v = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
  return v > BigInt(INT32_MAX) ? INT32_MAX : v < -BigInt(INT32_MAX) ? -INT32_MAX : Number(v);
}

/** The little-endian bytes of `count` elements of `code` as ntk-cli's element type. */
function fromBytes(bytes: Uint8Array, code: number, count: number): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { type, bytes: size } = DATA_TYPES[code];
  if (bytes.byteLength < count * size) throw new OnnxFileError(`holds ${bytes.byteLength} bytes for ${count} values of ${size} bytes`);
  const out = type === 'float32' ? new Float32Array(count) : new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    switch (code) {
      case 1: out[i] = view.getFloat32(at, true); break;
      case 11: out[i] = view.getFloat64(at, true); break;
      case 10: out[i] = halfToNumber(view.getUint16(at, true)); break;
      case 16: out[i] = bfloat16ToNumber(view.getUint16(at, true)); break;
      case 2: out[i] = view.getUint8(at); break;
      case 3: out[i] = view.getInt8(at); break;
      case 5: out[i] = view.getInt16(at, true); break;
      case 6: out[i] = view.getInt32(at, true); break;
      case 7: out[i] = clamp64(view.getBigInt64(at, true)); break;
      case 9: out[i] = view.getUint8(at) ? 1 : 0; break;
    }
  }
  return out;
}

/** A TensorProto's values, from raw_data, the typed fields, or an external file beside the model. */
function tensorOf(proto: TensorProto, where: string, folder: string): OnnxTensor {
  const code = proto.dataType ?? 0;
  const info = DATA_TYPES[code];
  const name = proto.name ? `'${proto.name}'` : where;
  if (!info) throw new OnnxFileError(`${name}: tensors of element type ${code} are not supported (float, double, float16, bfloat16, integers, bool)`);
  const dims = (proto.dims ?? []).map((d) => toNumber(d as Long));
  const count = dims.reduce((a, b) => a * b, 1);
  let data: Float32Array | Int32Array;
  if (proto.dataLocation === 1) {
    const entries = Object.fromEntries((proto.externalData ?? []).map((e) => [e.key, e.value]));
    if (!entries.location) throw new OnnxFileError(`${name}: external data without a location`);
    const file = path.resolve(folder, entries.location);
    // Only this tensor's bytes, by a positional read: external files hold many tensors and may pass 2 GB.
    let bytes: Buffer;
    try {
      const fd = fs.openSync(file, 'r');
      try {
        const offset = Number(entries.offset ?? 0);
        const length = entries.length !== undefined ? Number(entries.length) : fs.fstatSync(fd).size - offset;
        bytes = Buffer.alloc(length);
        let done = 0;
        while (done < length) {
          const read = fs.readSync(fd, bytes, done, length - done, offset + done);
          if (read === 0) break;
          done += read;
        }
        bytes = bytes.subarray(0, done);
      } finally {
        fs.closeSync(fd);
      }
    } catch (error) {
      throw new OnnxFileError(`${name}: its external data ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    data = fromBytes(bytes, code, count);
  } else if (proto.rawData && proto.rawData.length > 0) {
    data = fromBytes(proto.rawData, code, count);
  } else {
    const values: number[] =
      code === 1 ? proto.floatData ?? []
      : code === 11 ? proto.doubleData ?? []
      : code === 7 ? (proto.int64Data ?? []).map((v) => clamp64(BigInt(String(v))))
      : code === 10 || code === 16 ? (proto.int32Data ?? []).map((v) => (code === 10 ? halfToNumber(v) : bfloat16ToNumber(v)))
      : proto.int32Data ?? [];
    if (values.length !== count) throw new OnnxFileError(`${name}: ${values.length} values for shape [${dims.join(', ')}]`);
    data = info.type === 'float32' ? Float32Array.from(values) : Int32Array.from(values, (v) => (code === 9 ? (v ? 1 : 0) : v));
  }
  return { dims, type: info.type, data };
}

function attributeOf(attribute: AttributeProto, node: string, folder: string): AttributeValue {
  switch (attribute.type) {
    case 1: return attribute.f ?? 0;
    case 2: return clamp64(BigInt(String(attribute.i ?? 0)));
    case 3: return Buffer.from(attribute.s ?? []).toString('utf8');
    case 4: return tensorOf(attribute.t!, `the ${attribute.name} of ${node}`, folder);
    case 6: return (attribute.floats ?? []).slice();
    case 7: return (attribute.ints ?? []).map((v) => clamp64(BigInt(String(v))));
    case 8: return (attribute.strings ?? []).map((s) => Buffer.from(s).toString('utf8'));
    default: throw new OnnxFileError(`${node}: its attribute ${attribute.name} is of a type ntk-cli does not read (${attribute.type}: graphs, sparse tensors or types)`);
  }
}

function valueInfo(info: ValueInfoProto): OnnxValueInfo {
  const dims = info.type?.tensorType?.shape?.dim ?? [];
  return { name: info.name ?? '', dims: dims.map((d, i) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null && toNumber(d.dimValue as Long) > 0 ? toNumber(d.dimValue as Long) : `dim${i}`)) };
}

/** Decode a .onnx file's bytes; `file` names it in messages and locates external data. */
export function parseOnnx(bytes: Uint8Array, file: string): OnnxModel {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const proto = (require('onnx-proto') as { onnx: Proto }).onnx;
  let model: import('onnx-proto').onnx.ModelProto;
  try {
    model = proto.ModelProto.decode(bytes);
  } catch (error) {
    throw new OnnxFileError(`not an ONNX model (${(error as Error).message})`);
  }
  const graph = model.graph;
  if (!graph || (graph.node ?? []).length === 0) throw new OnnxFileError('not an ONNX model (no graph, or a graph without nodes)');
  const folder = path.dirname(file);
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const foreign = (graph.node ?? []).find((n) => n.domain && n.domain !== 'ai.onnx');
  if (foreign) throw new OnnxFileError(`op ${foreign.opType} of domain ${foreign.domain} (node ${foreign.name || foreign.opType}) is not a standard ONNX op`);
  const initializers: Record<string, OnnxTensor> = {};
  for (const t of graph.initializer ?? []) initializers[t.name ?? ''] = tensorOf(t, 'an initializer', folder);
  if ((graph.sparseInitializer ?? []).length > 0) throw new OnnxFileError('sparse initializers are not supported');
  const counts = new Map<string, number>();
  const nodes: OnnxNode[] = (graph.node ?? []).map((n) => {
    const op = n.opType ?? '';
    const k = (counts.get(op) ?? 0) + 1;
    counts.set(op, k);
    const name = n.name || `${op} #${k}`;
    return {
      op,
      name,
      inputs: (n.input ?? []).slice(),
      outputs: (n.output ?? []).slice(),
      attributes: Object.fromEntries((n.attribute ?? []).map((a) => [a.name ?? '', attributeOf(a, name, folder)])),
    };
  });
  return {
    opset: opset ? toNumber(opset.version as Long) : 1,
    producer: `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim(),
    inputs: (graph.input ?? []).filter((i) => !(i.name! in initializers)).map(valueInfo),
    outputs: (graph.output ?? []).map(valueInfo),
    initializers,
    nodes,
  };
}
