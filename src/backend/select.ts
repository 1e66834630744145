/**
 * Chooses the TF.js backend. WebGPU on a hardware adapter first; with no adapter, or only
 * a fallback (software) one, the fastest working backend instead — on a 2-core machine
 * without a GPU the wasm backend ran ~90× faster than SwiftShader WebGPU (MACHINE.md).
 * The user can always override the choice.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const BACKENDS = ['webgpu', 'wasm', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software adapters such as SwiftShader. */
  isFallback: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface BackendInfo {
  name: BackendName;
  /** Why this backend: shown to the user next to the name. */
  reason: string;
  adapter?: AdapterSummary;
  /** Backends the user may pick in this browser, in order of preference. */
  available: BackendName[];
}

let wasmConfigured = false;
function configureWasm() {
  if (wasmConfigured) return;
  wasmConfigured = true;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmPlain,
    'tfjs-backend-wasm-simd.wasm': wasmSimd,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
  });
  // Threads would need nested workers from inside our worker; SIMD alone is robust.
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
}

/** Describes the WebGPU adapter, or undefined when the browser has none. */
export async function probeAdapter(): Promise<AdapterSummary | undefined> {
  // Node 20 has no navigator at all; older browsers have one without gpu.
  const gpu = (globalThis.navigator as (Navigator & { gpu?: GPU }) | undefined)?.gpu;
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return undefined;
  const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
  const fallback =
    (info as GPUAdapterInfo & { isFallbackAdapter?: boolean })?.isFallbackAdapter ??
    (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ??
    false;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
    isFallback: fallback || info?.architecture === 'swiftshader',
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}

async function trySet(name: BackendName): Promise<boolean> {
  if (name === 'wasm') configureWasm();
  try {
    return (await tf.setBackend(name)) && (await tf.ready().then(() => true));
  } catch {
    return false;
  }
}

/**
 * Sets the backend. `preferred` forces one (falling back in order if it fails);
 * 'auto' picks WebGPU on hardware, else wasm, webgl, cpu.
 */
export async function chooseBackend(
  preferred: BackendName | 'auto' = 'auto',
): Promise<BackendInfo> {
  const adapter = await probeAdapter();
  let order: BackendName[];
  let reason: string;
  if (preferred !== 'auto') {
    order = [preferred, ...BACKENDS.filter((b) => b !== preferred)];
    reason = `chosen by you`;
  } else if (adapter && !adapter.isFallback) {
    order = [...BACKENDS];
    reason = `WebGPU on ${adapter.description || adapter.vendor || 'a hardware adapter'}`;
  } else {
    order = ['wasm', 'webgl', 'cpu', 'webgpu'];
    reason = adapter
      ? `only a software WebGPU adapter (${adapter.architecture || 'fallback'}) is available; wasm is much faster on it`
      : 'this browser offers no WebGPU adapter';
  }
  for (const name of order) {
    if (await trySet(name)) {
      const fellBack = name !== order[0];
      return {
        name,
        reason: fellBack ? `${order[0]} failed to start; ${reason}` : reason,
        adapter,
        available: BACKENDS.filter((b) => b !== 'webgpu' || adapter !== undefined),
      };
    }
  }
  throw new Error('no TF.js backend could start in this browser');
}
