/**
 * TensorFlow.js on WebGPU in Node, through Dawn (the `webgpu` npm package,
 * which ships prebuilt `dawn.node` binaries). Both it and
 * `@tensorflow/tfjs-backend-webgpu` are optional dependencies.
 *
 * Order matters: tfjs-backend-webgpu registers itself only if `navigator.gpu`
 * exists when its module loads, so Dawn's GPU object is put there first.
 * `webgpu` is an ES module; Node 20.19 and later load it with require().
 * Gradients (the factors' backward pass) need the full `@tensorflow/tfjs`,
 * which registers them; tfjs-core alone does not.
 *
 * A software adapter (Mesa's lavapipe, SwiftShader) reports itself as a
 * fallback adapter: it is used when asked for by name, never by `auto`.
 */
import fs = require('node:fs');
import type * as TF from '@tensorflow/tfjs';
import { withNativeStderrSilenced } from '../native';

/** What the adapter says of itself, and the limits the tiles are cut to. */
export interface GpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software implementation (CPU rasteriser), not a GPU. */
  fallback: boolean;
  /** Largest buffer one shader may bind: no tile or factor block is larger. */
  maxStorageBufferBindingSize: number;
}

interface AdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
  limits: { maxStorageBufferBindingSize: number };
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

let probe: Promise<GpuAdapter | { reason: string }> | null = null;

/**
 * Dawn prints warnings of its own to stderr while it starts (on software
 * adapters, that it reduced some limits). They are silenced unless asked for
 * (--debug): they are the driver's, and --quiet promises errors only.
 */
let driverMessages = false;
export function showDriverMessages(show: boolean): void {
  driverMessages = show;
}

function quietly<T>(work: () => Promise<T>): Promise<T> {
  return driverMessages ? work() : withNativeStderrSilenced(work);
}
/** tfjs-backend-webgpu registers its factory once, when it loads; a released backend is registered again from here. */
let factory: (() => TF.KernelBackend | Promise<TF.KernelBackend>) | null = null;

function loadDawn(): GpuLike | { reason: string } {
  let webgpu: { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    webgpu = require('webgpu');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND') return { reason: "the optional package 'webgpu' is not installed (npm install webgpu @tensorflow/tfjs-backend-webgpu)" };
    if (code === 'ERR_REQUIRE_ESM') return { reason: `the 'webgpu' package is an ES module, which Node ${process.versions.node} cannot require (Node 20.19 or later can)` };
    return { reason: `Dawn did not load: ${(error as Error).message.split('\n')[0]}` };
  }
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  const nav = ((globalThis as { navigator?: object }).navigator ??= {}) as object;
  Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true, writable: true });
  return gpu;
}

async function probeOnce(): Promise<GpuAdapter | { reason: string }> {
  const gpu = loadDawn();
  if ('reason' in gpu) return gpu;
  let adapter: AdapterLike | null;
  try {
    adapter = await quietly(() => gpu.requestAdapter({ powerPreference: 'high-performance' }));
  } catch (error) {
    return { reason: `no WebGPU adapter: ${(error as Error).message.split('\n')[0]}` };
  }
  if (!adapter) return { reason: 'Dawn found no WebGPU adapter (no GPU driver, nor a Vulkan driver such as Mesa lavapipe)' };
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    fallback: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}

/** The adapter Dawn offers (asked once per process), or why there is none. */
export function probeWebGpu(): Promise<GpuAdapter | { reason: string }> {
  probe ??= probeOnce();
  return probe;
}

export class WebGpuUnavailableError extends Error {}

/** Make WebGPU TensorFlow.js's active backend; throws WebGpuUnavailableError saying what was found. */
export async function activateWebGpu(): Promise<{ tf: typeof TF; adapter: GpuAdapter }> {
  const adapter = await probeWebGpu();
  if ('reason' in adapter) throw new WebGpuUnavailableError(`--backend webgpu: ${adapter.reason}`);
  let tf: typeof TF;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    tf = require('@tensorflow/tfjs') as typeof TF;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-backend-webgpu');
  } catch {
    throw new WebGpuUnavailableError("--backend webgpu: the optional package '@tensorflow/tfjs-backend-webgpu' is not installed");
  }
  tf.env().set('PROD', true);
  if (!tf.findBackendFactory('webgpu') && factory) tf.registerBackend('webgpu', factory, 3);
  let ready = false;
  try {
    ready = await quietly(() => tf.setBackend('webgpu'));
  } catch (error) {
    throw new WebGpuUnavailableError(`--backend webgpu: the adapter '${adapter.description}' would not start: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!ready) throw new WebGpuUnavailableError(`--backend webgpu: the adapter '${adapter.description}' would not start`);
  return { tf, adapter };
}

/**
 * Let the process end: Dawn keeps Node's event loop alive while its GPU
 * object is reachable, so the backend and the reference are dropped.
 */
export function releaseWebGpu(tf?: typeof TF): void {
  if (tf?.findBackendFactory('webgpu')) {
    factory = tf.findBackendFactory('webgpu');
    tf.removeBackend('webgpu');
  }
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav) delete nav.gpu;
  probe = null;
}

/**
 * Under --backend auto, kernels of at least this many cells go to a hardware
 * adapter when there is one: below it, starting the device (about half a
 * second) costs more than the products it takes over.
 */
export const DEVICE_MIN_CELLS = 4096 * 4096;

/**
 * Whether this machine may have a GPU, without loading Dawn: on Linux a GPU
 * driver exposes /dev/nvidia0 or a DRM render node; a machine with neither can
 * only offer a software adapter, which `auto` would not use anyway.
 */
function mayHaveGpu(): boolean {
  if (process.platform !== 'linux') return true;
  if (fs.existsSync('/dev/nvidia0')) return true;
  try {
    return fs.readdirSync('/dev/dri').some((name) => name.startsWith('renderD'));
  } catch {
    return false;
  }
}

/**
 * The device a run's kernel goes to, or null for the host: always with
 * `--backend webgpu` (any adapter, a software one included; none is an
 * error), and under `auto` (with `--linalg auto`) for large kernels when the
 * adapter is a GPU.
 */
export async function deviceForRun(backend: string, linalg: string, cells: number): Promise<{ tf: typeof TF; adapter: GpuAdapter } | null> {
  if (backend === 'webgpu') return activateWebGpu();
  if (backend !== 'auto' || linalg !== 'auto' || cells < DEVICE_MIN_CELLS || !mayHaveGpu()) return null;
  const adapter = await probeWebGpu();
  if (!('reason' in adapter) && !adapter.fallback) {
    try {
      return await activateWebGpu();
    } catch {
      // a GPU that would not start: the host computes
    }
  }
  releaseWebGpu();
  return null;
}
