/**
 * An ONNX model as a network: its layers where the graph is a plain stack of
 * ntk-cli's (lower.ts: the same numbers as --arch gives, at its speed), else
 * the whole graph as one layer (layers/graph.ts) with the plan of its
 * parameters (plan.ts). Needs TensorFlow.js for the plan's dry run.
 */
import type { Network } from '../model/network';
import { tfjsWithGradients } from '../tfjs/backend';
import { lowerToLayers } from './lower';
import type { OnnxModel } from './model';
import { checkOps, planGraph, sampleShapeOf, type PlanOptions } from './plan';

/** The network of `model`: ntk-cli's layers where it is a stack of them, else one `graph` layer. */
export function onnxNetwork(model: OnnxModel, name: string, options: PlanOptions = {}): Network {
  checkOps(model);
  // --params picks some parameters: only the graph path leaves the others constant.
  if (!options.params) {
    const lowered = lowerToLayers(model, sampleShapeOf(model, options));
    if (lowered) return lowered;
  }
  const tf = tfjsWithGradients();
  const plan = planGraph(tf, model, options);
  return { input: plan.input, layers: [{ kind: 'graph', name, outputs: plan.outputs, model, plan }] };
}
