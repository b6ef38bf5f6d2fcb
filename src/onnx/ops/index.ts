/**
 * The ONNX ops ntk-cli runs, by op type: the table of contents. An op not
 * here is refused before any work (onnx/plan.ts names it and its node).
 */
import { elementwiseOps } from './elementwise';
import { linearOps } from './linear';
import { normalizationOps } from './normalization';
import { poolingOps } from './pooling';
import { shapeOps } from './shape';
import type { OpRun } from './types';

export const OPS: Record<string, OpRun> = { ...linearOps, ...elementwiseOps, ...poolingOps, ...shapeOps, ...normalizationOps };

export { OnnxOpError, type OpContext, type OpRun } from './types';
