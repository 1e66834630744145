/**
 * GPT-2's tanh GELU ("gelu_new") as one elementwise webgpu kernel each way. The composite
 * is ~8 dispatches forward (pow, two multiplies, add, multiply, tanh, add, multiply) and
 * autodiff roughly doubles that; each here reads x once and writes once.
 *
 *   u = c·(x + a·x³), c = √(2/π), a = 0.044715
 *   gelu(x)  = ½·x·(1 + tanh u)
 *   gelu'(x) = ½·(1 + tanh u) + ½·x·(1 − tanh² u)·c·(1 + 3a·x²)
 */
import * as tf from '@tensorflow/tfjs';
import { ElementwiseProgram, type KernelArgs, STABLE_TANH, run } from './program';

export const GELU_NEW = 'ThumbprintGeluNew';
export const GELU_NEW_GRAD = 'ThumbprintGeluNewGrad';

const C = Math.sqrt(2 / Math.PI);
const A = 0.044715;

const CONSTANTS = `
  const GELU_C : f32 = ${C};
  const GELU_A : f32 = ${A};
  ${STABLE_TANH}`;

/** x (any shape) -> gelu(x), same shape. */
class GeluProgram extends ElementwiseProgram {
  variableNames = ['x'];

  constructor(shape: number[]) {
    super('geluNew', shape);
  }

  getUserCode(): string {
    return `
    ${CONSTANTS}
    fn main(index : i32) {
      if (index < uniforms.size) {
        let v = x[index];
        let t = stableTanh(GELU_C * (v + GELU_A * v * v * v));
        setOutputAtIndex(index, 0.5 * v * (1.0 + t));
      }
    }`;
  }
}

/** x, dy (same shape) -> dy · gelu'(x). */
class GeluGradProgram extends ElementwiseProgram {
  variableNames = ['x', 'dy'];

  constructor(shape: number[]) {
    super('geluNewGrad', shape);
  }

  getUserCode(): string {
    return `
    ${CONSTANTS}
    fn main(index : i32) {
      if (index < uniforms.size) {
        let v = x[index];
        let t = stableTanh(GELU_C * (v + GELU_A * v * v * v));
        let du = GELU_C * (1.0 + 3.0 * GELU_A * v * v);
        let slope = 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * du;
        setOutputAtIndex(index, dy[index] * slope);
      }
    }`;
  }
}

function geluKernel(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  return run(args.backend, new GeluProgram(x.shape), [x]);
}

function geluGradKernel(args: KernelArgs): tf.TensorInfo {
  const { x, dy } = args.inputs;
  return run(args.backend, new GeluGradProgram(x.shape), [x, dy]);
}

export const geluKernels: tf.KernelConfig[] = [
  { kernelName: GELU_NEW, backendName: 'webgpu', kernelFunc: geluKernel as never },
  { kernelName: GELU_NEW_GRAD, backendName: 'webgpu', kernelFunc: geluGradKernel as never },
];

type GradFn = Parameters<typeof tf.customGrad>[0];
type Unary = (a: tf.Tensor) => tf.Tensor;

const geluOp = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.engine().runKernel(GELU_NEW, { x }) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.engine().runKernel(GELU_NEW_GRAD, { x: saved[0], dy }) as tf.Tensor,
  };
}) as unknown as GradFn) as unknown as Unary;

/** gelu_new as one webgpu kernel with a one-kernel gradient. Only for the webgpu backend. */
export function fusedGeluNew(x: tf.Tensor): tf.Tensor {
  if (x.dtype !== 'float32') throw new Error(`fusedGeluNew: x must be float32, got ${x.dtype}`);
  return geluOp(x);
}

/** gelu'(x) in plain TF.js ops: the backward kernel's formula, for Node tests. */
export function geluNewSlope(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), A)), C));
    const half = tf.mul(tf.add(t, 1), 0.5);
    const dTanh = tf.mul(
      tf.sub(1, tf.square(t)),
      tf.mul(tf.add(tf.mul(tf.square(x), 3 * A), 1), C),
    );
    return tf.add(half, tf.mul(tf.mul(x, 0.5), dTanh));
  });
}
