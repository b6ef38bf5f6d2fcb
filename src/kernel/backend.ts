/**
 * Which TensorFlow.js backend runs the kernels.
 *
 * `@tensorflow/tfjs-node` (libtensorflow, multithreaded) is an optional
 * dependency: its install script downloads libtensorflow from outside the npm
 * registry, so on machines that cannot reach that host it is simply absent.
 * `auto` uses it when it loads and otherwise `@tensorflow/tfjs-backend-wasm`
 * (XNNPACK compiled to WebAssembly, shipped inside the npm package); `cpu` is
 * the pure-JavaScript reference backend.
 */
// tfjs-core alone (the union package's ops and gradients load where autodiff is used), so a
// tile worker that only multiplies matrices starts in half the time (about 90 ms against 190 ms).
import * as tf from '@tensorflow/tfjs-core';

export const BACKEND_CHOICES = ['auto', 'node', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** tfjs's registry name for each choice. */
const TFJS_NAMES: Record<Exclude<BackendChoice, 'auto'>, string> = {
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

function loadModule(choice: Exclude<BackendChoice, 'auto'>): void {
  if (choice === 'node') require('@tensorflow/tfjs-node');
  else if (choice === 'wasm') require('@tensorflow/tfjs-backend-wasm');
  else require('@tensorflow/tfjs-backend-cpu');
}

async function tryBackend(choice: Exclude<BackendChoice, 'auto'>): Promise<boolean> {
  try {
    loadModule(choice);
    return await tf.setBackend(TFJS_NAMES[choice]);
  } catch {
    return false;
  }
}

export class BackendUnavailableError extends Error {}

/**
 * Make `choice` the active backend and return the name it is reported under
 * (`node`, `wasm` or `cpu`). Throws BackendUnavailableError when a forced
 * backend cannot load.
 */
export async function activateBackend(choice: BackendChoice): Promise<Exclude<BackendChoice, 'auto'>> {
  // PROD mode silences tfjs's console advice ("install tfjs-node") and skips debug checks.
  tf.env().set('PROD', true);
  const order: Exclude<BackendChoice, 'auto'>[] = choice === 'auto' ? ['node', 'wasm', 'cpu'] : [choice];
  for (const candidate of order) {
    if (await tryBackend(candidate)) return candidate;
  }
  const hint =
    choice === 'node'
      ? '@tensorflow/tfjs-node is not installed here (its install downloads libtensorflow); use --backend wasm'
      : `the ${choice} backend failed to initialise`;
  throw new BackendUnavailableError(`--backend ${choice}: ${hint}`);
}
