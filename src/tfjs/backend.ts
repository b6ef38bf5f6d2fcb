/**
 * Which TensorFlow.js backend runs what needs TensorFlow.js (autodiff for
 * `--method naive`, the products under `--linalg tfjs`).
 *
 * `@tensorflow/tfjs-node` (libtensorflow, multithreaded) is an optional
 * dependency: its install script downloads libtensorflow from outside the npm
 * registry, so where that host cannot be reached it is simply absent. `auto`
 * uses it when it loads, else `@tensorflow/tfjs-backend-wasm` (XNNPACK
 * compiled to WebAssembly, shipped inside the npm package); `cpu` is the
 * pure-JavaScript reference backend. Everything here is required lazily:
 * TensorFlow.js takes longer to load than most runs take to compute.
 *
 * The node backend is only ever loaded on the main thread: one libtensorflow
 * per worker thread, each with its own thread pool, is a path nobody tests.
 */
import type * as TF from '@tensorflow/tfjs-core';

export const BACKEND_CHOICES = ['auto', 'node', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;
/**
 * The backends that can run the host's products (the synchronous Linalg):
 * WebGPU reads results back asynchronously only, so it runs whole kernels
 * (kernel/onDevice.ts) and never the host's products.
 */
export type HostBackendName = Exclude<BackendName, 'webgpu'>;

/** tfjs's registry name for each backend. */
const TFJS_NAMES: Record<HostBackendName, string> = {
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

const MODULES: Record<HostBackendName, string> = {
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

/** tfjs-core, loaded on first use. */
export function tfCore(): typeof TF {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@tensorflow/tfjs-core') as typeof TF;
}

/**
 * The TensorFlow.js union package, whose ops have their gradients registered
 * (tfjs-core alone registers none), loaded on first use with its console
 * advice off.
 */
export function tfjsWithGradients(): typeof import('@tensorflow/tfjs') {
  tfCore().env().set('PROD', true);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
}

async function tryBackend(name: HostBackendName): Promise<boolean> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(MODULES[name]);
    return await tfCore().setBackend(TFJS_NAMES[name]);
  } catch {
    return false;
  }
}

export class BackendUnavailableError extends Error {}

/**
 * Why the wasm backend of TensorFlow.js 4.22 cannot run autodiff through
 * these layers, or null: it computes MaxPool's gradient wrongly for batches
 * of several channels (measured against its cpu backend, which routes each
 * window's gradient to its first maximum, as PyTorch does), and it has no
 * gradient of a convolution's weights (Conv2DBackpropFilter), which
 * differentiating the parameters (`weights`: --method naive, training) needs.
 * `layers`: a network's, or an architecture's entries (an ONNX graph's
 * layer is read by its nodes' ops).
 */
export function wasmRefusal(layers: readonly { kind: string }[], weights: boolean): string | null {
  const ops = layers.flatMap((layer) => (isGraph(layer) ? layer.model.nodes.map((node) => node.op) : [layer.kind]));
  if (ops.includes('MaxPool') || ops.includes('maxpool')) return "TensorFlow.js's wasm backend computes MaxPool's gradient wrongly";
  if (weights && (ops.includes('conv') || ops.includes('Conv'))) return "TensorFlow.js's wasm backend has no gradient of a convolution's weights";
  return null;
}

function isGraph(layer: { kind: string }): layer is { kind: 'graph'; model: { nodes: { op: string }[] } } {
  return layer.kind === 'graph';
}

/**
 * Make `choice` the active backend for the host's products and return its
 * name; `notWasm` (wasmRefusal's reason) keeps `auto` off wasm and refuses it when asked. `webgpu` (whose kernels run on the device) leaves the host's products
 * to `auto`. Throws BackendUnavailableError when a forced backend cannot load.
 */
export async function activateBackend(choice: BackendChoice, notWasm: string | null = null): Promise<HostBackendName> {
  // PROD mode silences tfjs's console advice ("install tfjs-node") and skips debug checks.
  tfCore().env().set('PROD', true);
  if (notWasm && choice === 'wasm') throw new BackendUnavailableError(`--backend wasm: ${notWasm}; use --backend cpu or auto`);
  const order: HostBackendName[] = choice === 'auto' || choice === 'webgpu' ? (['node', 'wasm', 'cpu'] as const).filter((b) => !(notWasm && b === 'wasm')) : [choice];
  for (const candidate of order) {
    if (await tryBackend(candidate)) return candidate;
  }
  const hint =
    choice === 'node'
      ? '@tensorflow/tfjs-node is not installed here (its install downloads libtensorflow); use --backend wasm'
      : `the ${choice} backend failed to initialise`;
  throw new BackendUnavailableError(`--backend ${choice}: ${hint}`);
}
