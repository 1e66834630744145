/**
 * What our WGSL programs share, written to tfjs-backend-webgpu 4.22's conventions: the
 * backend prepends bindings (`result`, one `array<f32|i32>` per variable name), a
 * `Uniforms` struct (`<name>Shape`, `outShape`, `size` when asked, then our own fields)
 * and helpers such as `setOutputAtIndex`; our code defines `fn main(index : i32)`, where
 * `index` is workgroup · workgroupSize + local index even after the backend folds a
 * dispatch above 65,535 workgroups into two dimensions.
 */
import type * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

export type { WebGPUBackend, WebGPUProgram };

/** The arguments tfjs hands a kernel function registered for the webgpu backend. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: WebGPUBackend;
  attrs?: tf.NamedAttrMap;
}

/** One uniform value that follows the backend's own fields, in declaration order. */
export type Uniform = { type: 'float32' | 'int32'; data: number[] };

/**
 * Threads per row for the one-workgroup-per-row kernels: a power of two (the tree
 * reductions halve it) and no wider than the row needs. 256 matches what tfjs's own
 * softmax uses for long rows.
 */
export function rowWorkgroupSize(cols: number): number {
  if (cols >= 1024) return 256;
  if (cols >= 128) return 128;
  return 64;
}

/** Base for programs that give one workgroup to each row of a [rows, cols] problem. */
export abstract class RowProgram implements WebGPUProgram {
  abstract variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;

  constructor(key: string, outputShape: number[], rows: number, cols: number) {
    this.outputShape = outputShape;
    const wg = rowWorkgroupSize(cols);
    this.workgroupSize = [wg, 1, 1];
    this.dispatch = [rows, 1, 1];
    this.shaderKey = `${key}_${wg}`;
  }

  /** `WG` as a WGSL constant, for the tree reductions and the row index. */
  protected get wgConst(): string {
    return `const WG : i32 = ${this.workgroupSize[0]};`;
  }

  abstract getUserCode(): string;
}

/** Base for programs with one thread per output element. */
export abstract class ElementwiseProgram implements WebGPUProgram {
  abstract variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [256, 1, 1];
  size = true;
  uniforms?: string;

  constructor(key: string, outputShape: number[]) {
    this.outputShape = outputShape;
    this.shaderKey = key;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    const size = outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(size / this.workgroupSize[0]), 1, 1];
  }

  abstract getUserCode(): string;
}

/**
 * WGSL prologue of a row kernel. A dispatch above 65,535 workgroups is folded into a square
 * by the backend, leaving a few spare workgroups past the last row: they redo the last row
 * (`row` is clamped) but must not write (`live`). They cannot simply return, because the
 * barriers that follow must be reached by every thread of the workgroup.
 */
export function rowPrologue(rows: string): string {
  return `
      let tid = i32(localId.x);
      let rowIndex = index / WG;
      let live = rowIndex < ${rows};
      let row = min(rowIndex, ${rows} - 1);`;
}

/**
 * Tree sum of `buf` (workgroup memory of WG floats, WG a power of two) into `buf[0]`.
 * Every thread must reach it: it contains barriers.
 */
export function treeSum(buf: string): string {
  return `
      workgroupBarrier();
      for (var half = WG / 2; half > 0; half = half / 2) {
        if (tid < half) {
          ${buf}[tid] = ${buf}[tid] + ${buf}[tid + half];
        }
        workgroupBarrier();
      }`;
}

/**
 * tanh that stays finite for large |x|: some WGSL implementations compute tanh through
 * exp(2x) and return NaN once it overflows (tfjs's own Tanh kernel works around the same).
 */
export const STABLE_TANH = `
  fn stableTanh(x : f32) -> f32 {
    let e = exp(-2.0 * abs(x));
    return sign(x) * (1.0 - e) / (1.0 + e);
  }`;

/** Runs a program and returns its output as a tensor info of the given shape. */
export function run(
  backend: WebGPUBackend,
  program: WebGPUProgram,
  inputs: tf.TensorInfo[],
  uniforms: Uniform[] = [],
): tf.TensorInfo {
  return backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
}
