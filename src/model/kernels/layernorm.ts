/**
 * LayerNorm over the last axis (biased variance, as PyTorch) as webgpu kernels. The
 * composite is ~8 dispatches forward (moments, subtract, add, rsqrt, two multiplies, add)
 * and about twice that backward; here it is one forward and three backward.
 *
 *   forward   one workgroup per row: mean and variance from one read of the row and one
 *             shared-memory tree reduction, then y = (x − mean)·rstd·γ + β.
 *   backward  stats   [n, 2] (mean, rstd) per row, recomputed rather than saved;
 *             dx      one workgroup per row, with x̂ = (x − mean)·rstd and g = dy·γ:
 *                     dx = rstd · (g − mean(g) − x̂ · mean(g·x̂));
 *             dγ, dβ  one thread per column summing dy·x̂ and dy over the rows.
 */
import * as tf from '@tensorflow/tfjs';
import {
  ElementwiseProgram,
  type KernelArgs,
  RowProgram,
  rowPrologue,
  run,
  treeSums,
} from './program';

export const LAYER_NORM = 'ThumbprintLayerNorm';
export const LAYER_NORM_STATS = 'ThumbprintLayerNormStats';
export const LAYER_NORM_GRAD_X = 'ThumbprintLayerNormGradX';
export const LAYER_NORM_GRAD_PARAMS = 'ThumbprintLayerNormGradParams';

/**
 * WGSL: mean and rstd of row `row` of x, in one read of the row and one tree reduction.
 * Sums are taken around the row's first value k: var = E[(x − k)²] − E[x − k]², which does
 * not cancel catastrophically when the mean is large against the spread, as E[x²] − E[x]²
 * would. Uses workgroup arrays `acc1`, `acc2`.
 */
function rowMoments(): string {
  return `
      let cols = uniforms.xShape.y;
      let base = row * cols;
      let k = x[base];
      var s1 = 0.0;
      var s2 = 0.0;
      for (var c = tid; c < cols; c = c + WG) {
        let d = x[base + c] - k;
        s1 = s1 + d;
        s2 = s2 + d * d;
      }
      acc1[tid] = s1;
      acc2[tid] = s2;
      ${treeSums('acc1', 'acc2')}
      let shift = acc1[0] / f32(cols);
      let mean = k + shift;
      let variance = max(acc2[0] / f32(cols) - shift * shift, 0.0);
      let rstd = inverseSqrt(variance + uniforms.eps);`;
}

const MOMENT_BUFFERS = `
    var<workgroup> acc1 : array<f32, WG>;
    var<workgroup> acc2 : array<f32, WG>;`;

/** x [n, d], gamma [d], beta [d] -> y [n, d]. */
class LayerNormProgram extends RowProgram {
  variableNames = ['x', 'gamma', 'beta'];
  uniforms = 'eps : f32,';

  constructor(rows: number, cols: number) {
    super('layerNorm', [rows, cols], rows, cols);
  }

  getUserCode(): string {
    return `
    ${this.wgConst}
    ${MOMENT_BUFFERS}

    fn main(index : i32) {
      ${rowPrologue('uniforms.xShape.x')}
      ${rowMoments()}
      if (live) {
        for (var c = tid; c < cols; c = c + WG) {
          let y = (x[base + c] - mean) * rstd * gamma[c] + beta[c];
          setOutputAtIndex(base + c, y);
        }
      }
    }`;
  }
}

/** x [n, d] -> [n, 2]: mean and 1/sqrt(variance + eps) of each row. */
class LayerNormStatsProgram extends RowProgram {
  variableNames = ['x'];
  uniforms = 'eps : f32,';

  constructor(rows: number, cols: number) {
    super('layerNormStats', [rows, 2], rows, cols);
  }

  getUserCode(): string {
    return `
    ${this.wgConst}
    ${MOMENT_BUFFERS}

    fn main(index : i32) {
      ${rowPrologue('uniforms.xShape.x')}
      ${rowMoments()}
      if (live && tid == 0) {
        setOutputAtIndex(2 * row, mean);
        setOutputAtIndex(2 * row + 1, rstd);
      }
    }`;
  }
}

/** x [n, d], gamma [d], stats [n, 2], dy [n, d] -> dx [n, d]. */
class LayerNormGradXProgram extends RowProgram {
  variableNames = ['x', 'gamma', 'stats', 'dy'];

  constructor(rows: number, cols: number) {
    super('layerNormGradX', [rows, cols], rows, cols);
  }

  getUserCode(): string {
    return `
    ${this.wgConst}
    var<workgroup> sumG : array<f32, WG>;
    var<workgroup> sumGX : array<f32, WG>;

    fn main(index : i32) {
      ${rowPrologue('uniforms.xShape.x')}
      let cols = uniforms.xShape.y;
      let base = row * cols;
      let mean = stats[2 * row];
      let rstd = stats[2 * row + 1];
      var g = 0.0;
      var gx = 0.0;
      for (var c = tid; c < cols; c = c + WG) {
        let gc = dy[base + c] * gamma[c];
        g = g + gc;
        gx = gx + gc * (x[base + c] - mean) * rstd;
      }
      sumG[tid] = g;
      sumGX[tid] = gx;
      ${treeSums('sumG', 'sumGX')}
      let meanG = sumG[0] / f32(cols);
      let meanGX = sumGX[0] / f32(cols);
      if (live) {
        for (var c = tid; c < cols; c = c + WG) {
          let xhat = (x[base + c] - mean) * rstd;
          let gc = dy[base + c] * gamma[c];
          setOutputAtIndex(base + c, rstd * (gc - meanG - xhat * meanGX));
        }
      }
    }`;
  }
}

/** x [n, d], stats [n, 2], dy [n, d] -> [2, d]: dγ = Σ dy·x̂, dβ = Σ dy over rows. */
class LayerNormGradParamsProgram extends ElementwiseProgram {
  variableNames = ['x', 'stats', 'dy'];

  constructor(cols: number) {
    super('layerNormGradParams', [2, cols]);
  }

  getUserCode(): string {
    return `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let rows = uniforms.xShape.x;
        let cols = uniforms.xShape.y;
        let which = index / cols;
        let c = index - which * cols;
        var sum = 0.0;
        for (var r = 0; r < rows; r = r + 1) {
          let d = dy[r * cols + c];
          if (which == 0) {
            sum = sum + d * (x[r * cols + c] - stats[2 * r]) * stats[2 * r + 1];
          } else {
            sum = sum + d;
          }
        }
        setOutputAtIndex(index, sum);
      }
    }`;
  }
}

function epsOf(args: KernelArgs): number {
  const eps = args.attrs?.eps;
  if (typeof eps !== 'number') throw new Error('layerNorm kernel: attribute "eps" is missing');
  return eps;
}

function layerNormKernel(args: KernelArgs): tf.TensorInfo {
  const { x, gamma, beta } = args.inputs;
  const [rows, cols] = x.shape;
  const program = new LayerNormProgram(rows, cols);
  return run(args.backend, program, [x, gamma, beta], [{ type: 'float32', data: [epsOf(args)] }]);
}

function statsKernel(args: KernelArgs): tf.TensorInfo {
  const { x } = args.inputs;
  const [rows, cols] = x.shape;
  const program = new LayerNormStatsProgram(rows, cols);
  return run(args.backend, program, [x], [{ type: 'float32', data: [epsOf(args)] }]);
}

function gradXKernel(args: KernelArgs): tf.TensorInfo {
  const { x, gamma, stats, dy } = args.inputs;
  const [rows, cols] = x.shape;
  return run(args.backend, new LayerNormGradXProgram(rows, cols), [x, gamma, stats, dy]);
}

function gradParamsKernel(args: KernelArgs): tf.TensorInfo {
  const { x, stats, dy } = args.inputs;
  return run(args.backend, new LayerNormGradParamsProgram(x.shape[1]), [x, stats, dy]);
}

const config = (kernelName: string, kernelFunc: (a: KernelArgs) => tf.TensorInfo) => ({
  kernelName,
  backendName: 'webgpu',
  kernelFunc: kernelFunc as never,
});

export const layerNormKernels: tf.KernelConfig[] = [
  config(LAYER_NORM, layerNormKernel),
  config(LAYER_NORM_STATS, statsKernel),
  config(LAYER_NORM_GRAD_X, gradXKernel),
  config(LAYER_NORM_GRAD_PARAMS, gradParamsKernel),
];

type GradFn = Parameters<typeof tf.customGrad>[0];
type Ternary = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor;

/**
 * LayerNorm over the last axis as webgpu kernels with a fused gradient. Any rank; rows are
 * everything but the last axis. Only for the webgpu backend.
 */
export function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number) {
  const d = x.shape[x.rank - 1];
  if (gamma.size !== d || beta.size !== d) {
    throw new Error(
      `fusedLayerNorm: gamma [${gamma.shape}] and beta [${beta.shape}] must have ${d} ` +
        `entries (the last axis of x [${x.shape}])`,
    );
  }
  if (x.dtype !== 'float32') throw new Error(`fusedLayerNorm: x must be float32, got ${x.dtype}`);
  const attrs = { eps };
  const engine = tf.engine();
  const op = tf.customGrad(((xs: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const x2 = tf.reshape(xs, [-1, d]);
    const inputs = { x: x2, gamma: tf.reshape(g, [d]), beta: tf.reshape(b, [d]) };
    const y = engine.runKernel(LAYER_NORM, inputs, attrs) as tf.Tensor;
    save([x2, inputs.gamma]);
    return {
      value: tf.reshape(y, xs.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg] = saved;
        const dy2 = tf.reshape(dy, [-1, d]);
        const stats = engine.runKernel(LAYER_NORM_STATS, { x: sx }, attrs) as tf.Tensor;
        const dx = engine.runKernel(LAYER_NORM_GRAD_X, { x: sx, gamma: sg, stats, dy: dy2 });
        const params = engine.runKernel(LAYER_NORM_GRAD_PARAMS, { x: sx, stats, dy: dy2 });
        const [dGamma, dBeta] = tf.unstack(params as tf.Tensor2D);
        return [
          tf.reshape(dx as tf.Tensor, xs.shape),
          tf.reshape(dGamma, g.shape),
          tf.reshape(dBeta, b.shape),
        ];
      },
    };
  }) as unknown as GradFn) as unknown as Ternary;
  return op(x, gamma, beta);
}

/**
 * The backward kernels' formulas in plain TF.js ops (for Node tests against autodiff):
 * dx = rstd · (g − mean(g) − x̂ · mean(g·x̂)), g = dy·γ; dγ = Σ dy·x̂; dβ = Σ dy.
 */
export function layerNormGradFormula(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  dy: tf.Tensor2D,
  eps: number,
): { dx: tf.Tensor2D; dGamma: tf.Tensor1D; dBeta: tf.Tensor1D } {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true);
    const rstd = tf.rsqrt(tf.add(variance, eps));
    const xhat = tf.mul(tf.sub(x, mean), rstd);
    const g = tf.mul(dy, gamma);
    const inner = tf.sub(
      tf.sub(g, tf.mean(g, -1, true)),
      tf.mul(xhat, tf.mean(tf.mul(g, xhat), -1, true)),
    );
    return {
      dx: tf.mul(rstd, inner) as tf.Tensor2D,
      dGamma: tf.sum(tf.mul(dy, xhat), 0) as tf.Tensor1D,
      dBeta: tf.sum(dy, 0) as tf.Tensor1D,
    };
  });
}
