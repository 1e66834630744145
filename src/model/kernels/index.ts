/**
 * Our own WGSL kernels for the webgpu backend, where TF.js composites take many dispatches:
 * chosen-token log-probabilities, LayerNorm and GELU, each with a fused gradient. ops.ts
 * calls them when `fusedKernelsActive()`; every other backend keeps the composite ops.
 *
 * Registration is lazy and idempotent: registering a kernel for 'webgpu' needs no GPU, but
 * doing it on first use keeps importing the model free of side effects.
 */
import * as tf from '@tensorflow/tfjs';
import { geluKernels } from './gelu';
import { layerNormKernels } from './layernorm';
import { logprobsKernels } from './logprobs';

export { fusedGeluNew, geluNewSlope } from './gelu';
export { fusedLayerNorm, layerNormGradFormula } from './layernorm';
export { fusedSelectLogprobs, selectLogprobsGradFormula } from './logprobs';

let enabled = true;

/** Registers every fused kernel for the webgpu backend (once). */
export function registerFusedKernels() {
  for (const config of [...logprobsKernels, ...layerNormKernels, ...geluKernels]) {
    if (!tf.getKernel(config.kernelName, 'webgpu')) tf.registerKernel(config);
  }
}

/**
 * Turns the fused kernels off (or back on) for the whole page: the composite ops then run
 * on webgpu too. For side-by-side measurement and as an escape hatch.
 */
export function setFusedKernels(on: boolean) {
  enabled = on;
}

/** True when ops should take the fused path: webgpu is active and the kernels are on. */
export function fusedKernelsActive(): boolean {
  if (!enabled || tf.getBackend() !== 'webgpu') return false;
  registerFusedKernels();
  return true;
}
