import type { Samples } from '../types';

/** Inputs with their class labels (one per row), as the datasets give them. */
export interface LabelledSamples extends Samples {
  labels: string[];
}
