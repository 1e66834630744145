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
  inputs: Record<string, tf.TensorInfo>;
  backend: WebGPUBackend;
  attrs?: tf.NamedAttrMap;
}

/** One uniform value that follows the backend's own fields, in declaration order. */
export type Uniform = { type: 'float32' | 'int32'; data: number[] };

/**
 * Threads per row for the one-workgroup-per-row kernels: a power of two (the tree
 * reductions halve it). tfjs's own reductions use 64 below 4,096 columns and 256 from there;
 * on SwiftShader 256 threads for a 2,048-wide row measured slower than 64 (barriers are
 * per-thread context switches on a CPU).
 */
export function rowWorkgroupSize(cols: number): number {
  return cols >= 4096 ? 256 : 64;
}

/** Base for programs that give one workgroup to each row of a [rows, cols] problem. */
export abstract class RowProgram implements WebGPUProgram {
  abstract variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];

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
 * Tree sums of workgroup arrays `bufs` (WG floats each, WG a power of two) into `buf[0]`.
 * Every thread must reach it: it contains barriers.
 */
export function treeSums(...bufs: string[]): string {
  const adds = bufs.map((b) => `${b}[tid] = ${b}[tid] + ${b}[tid + half];`).join('\n          ');
  return `
      workgroupBarrier();
      for (var half = WG / 2; half > 0; half = half / 2) {
        if (tid < half) {
          ${adds}
        }
        workgroupBarrier();
      }`;
}

/**
 * tanh that stays finite for large |x|: some WGSL implementations compute tanh through
 * exp(2x) and return NaN once it overflows (tfjs's own Tanh kernel works around the same).
 */
export const STABLE_TANH = `
  fn stableTanh(u : f32) -> f32 {
    let e = exp(-2.0 * abs(u));
    return sign(u) * (1.0 - e) / (1.0 + e);
  }`;

/** The device's maxStorageBufferBindingSize in bytes: the largest tensor a kernel can read. */
export function bindingLimitOf(backend: WebGPUBackend): number {
  return backend.device.limits.maxStorageBufferBindingSize;
}

/**
 * Runs a program and returns its output. A tensor larger than the device's storage-buffer
 * binding limit cannot be bound: WebGPU reports that asynchronously and the output stays
 * zeros, so refuse it here with the sizes instead.
 */
export function run(
  backend: WebGPUBackend,
  program: WebGPUProgram,
  inputs: tf.TensorInfo[],
  uniforms: Uniform[] = [],
): tf.TensorInfo {
  const limit = bindingLimitOf(backend);
  const named = [
    ...inputs.map((t, i) => [program.variableNames[i], t.shape] as const),
    ['output', program.outputShape] as const,
  ];
  for (const [name, shape] of named) {
    const bytes = shape.reduce((a, b) => a * b, 1) * 4;
    if (bytes > limit) {
      throw new Error(
        `${program.shaderKey}: ${name} [${shape}] is ${bytes} bytes, above this GPU's ` +
          `maxStorageBufferBindingSize of ${limit}; process fewer rows at a time ` +
          `(see logitsChunkRows in src/model/chunks.ts)`,
      );
    }
  }
  return backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
}
