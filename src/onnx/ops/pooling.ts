/** MaxPool, AveragePool (2-D, or 1-D as 2-D one pixel high) and the global poolings. */
import type * as TF from '@tensorflow/tfjs';
import { padsOf } from './linear';
import { attribute, intsAttribute, OnnxOpError, type OpContext, type OpRun } from './types';

type Tensor = TF.Tensor;

function pool(kind: 'max' | 'avg'): OpRun {
  return (inputs, { tf, node }: OpContext) => {
    const x0 = inputs[0]!;
    if (x0.rank !== 3 && x0.rank !== 4) throw new OnnxOpError(`${node.name}: pooling of ${x0.rank - 2}-D images is not supported`);
    if (attribute(node, 'ceil_mode', 0) !== 0) throw new OnnxOpError(`${node.name}: ceil_mode 1 is not supported`);
    if (node.outputs.length > 1 && node.outputs[1]) throw new OnnxOpError(`${node.name}: MaxPool's indices output is not supported`);
    const one = x0.rank === 3;
    const x = one ? tf.expandDims(x0, 2) : x0;
    const k = intsAttribute(node, 'kernel_shape') ?? [];
    const kernel: [number, number] = one ? [1, k[0]!] : [k[0]!, k[1]!];
    const s = intsAttribute(node, 'strides') ?? (one ? [1] : [1, 1]);
    const strides: [number, number] = one ? [1, s[0]!] : [s[0]!, s[1]!];
    const d = intsAttribute(node, 'dilations') ?? (one ? [1] : [1, 1]);
    if (d.some((v) => v !== 1)) throw new OnnxOpError(`${node.name}: dilated pooling is not supported`);
    const spatial = x0.shape.slice(2);
    const p = padsOf(node, spatial.length, spatial, k, s, d);
    const [top, left, bottom, right] = one ? [0, p[0]!, 0, p[1]!] : [p[0]!, p[1]!, p[2]!, p[3]!];
    const nhwc = tf.transpose(x, [0, 2, 3, 1]) as TF.Tensor4D;
    let y: TF.Tensor4D;
    const padded = top + left + bottom + right > 0;
    if (kind === 'avg' && padded) {
      // Average whole windows of the padded image: with count_include_pad the padded zeros count in
      // the mean; without, each window's mean is over the pixels it covers, divided by that count
      // (the same window mean of a padded image of ones), a constant. tf.avgPool's own explicit
      // padding gives that forward pass, but its gradient divides by the whole window.
      const pads: [number, number][] = [[0, 0], [top, bottom], [left, right], [0, 0]];
      y = tf.avgPool(tf.pad(nhwc, pads), kernel, strides, 'valid');
      if (attribute(node, 'count_include_pad', 0) !== 1) {
        const covered = tf.avgPool(tf.pad(tf.ones([1, nhwc.shape[1], nhwc.shape[2], 1]) as TF.Tensor4D, pads), kernel, strides, 'valid');
        y = tf.div(y, covered);
      }
    } else {
      const padding = padded ? ([[0, 0], [top, bottom], [left, right], [0, 0]] as never) : 'valid';
      y = kind === 'max' ? tf.maxPool(nhwc, kernel, strides, padding) : tf.avgPool(nhwc, kernel, strides, padding);
    }
    const out: Tensor = tf.transpose(y, [0, 3, 1, 2]);
    return [one ? tf.squeeze(out, [2]) : out];
  };
}

function globalPool(kind: 'max' | 'avg'): OpRun {
  return (inputs, { tf }) => {
    const x = inputs[0]!;
    const axes = Array.from({ length: x.rank - 2 }, (_, i) => i + 2);
    return [kind === 'max' ? tf.max(x, axes, true) : tf.mean(x, axes, true)];
  };
}

export const poolingOps: Record<string, OpRun> = {
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: globalPool('avg'),
  GlobalMaxPool: globalPool('max'),
};
