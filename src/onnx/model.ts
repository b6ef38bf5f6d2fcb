/**
 * An ONNX model as ntk-cli holds it: plain data (arrays, typed arrays,
 * numbers), so it passes to worker threads as it is and the core needs no
 * protobuf. io/onnx.ts reads a file into it.
 */

/** Element types ntk-cli computes with: floats become float32, integers int32 (shapes and indices), booleans bool. */
export type ElementType = 'float32' | 'int32' | 'bool';

/** A constant tensor: an initializer, or a Constant node's value. */
export interface OnnxTensor {
  dims: number[];
  type: ElementType;
  /** float32 values, or int32 (integers, clamped to ±(2³¹ − 1): indices and shapes), or 0/1 for bool. */
  data: Float32Array | Int32Array;
}

export type AttributeValue = number | number[] | string | string[] | OnnxTensor;

export interface OnnxNode {
  op: string;
  /** The node's name, or `<op> #k` where the file has none. */
  name: string;
  /** Input value names ('' for an omitted optional input). */
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
}

/** A graph input or output: its name, and each dimension's size or symbolic name (a dynamic one). */
export interface OnnxValueInfo {
  name: string;
  dims: (number | string)[];
}

export interface OnnxModel {
  /** The default-domain opset the model was written for. */
  opset: number;
  producer: string;
  /** The data inputs (initializers listed as inputs are left out). */
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: Record<string, OnnxTensor>;
  /** In topological order, as ONNX requires. */
  nodes: OnnxNode[];
}
