/**
 * Log-probabilities of chosen tokens in one pass over the logits, never materialising a
 * softmax over the vocabulary. The composite (`logSoftmax`, one-hot, multiply, sum) writes
 * and reads [n, vocab] four or five times; this reads it once forward and once backward.
 *
 *   forward   one workgroup per row: online max and sum of exp, then the chosen logit.
 *             Output [2, n]: row 0 the log-probabilities, row 1 log Σ exp(z / T) (saved).
 *   backward  one thread per logit: d z = dy · (onehot(id) − exp(z / T − lse)) / T.
 *
 * An id outside [0, vocab) gives log-probability 0 and no gradient, as the one-hot
 * composite does (its one-hot row is all zeros).
 */
import * as tf from '@tensorflow/tfjs';
import { ElementwiseProgram, type KernelArgs, RowProgram, rowPrologue, run } from './program';

export const CHOSEN_LOGPROBS = 'ThumbprintChosenLogprobs';
export const CHOSEN_LOGPROBS_GRAD = 'ThumbprintChosenLogprobsGrad';

/** logits [n, vocab] f32, ids [n] i32 -> [2, n]: log-probabilities, then log-sum-exp. */
class ChosenLogprobsProgram extends RowProgram {
  variableNames = ['logits', 'ids'];
  uniforms = 'invTemp : f32,';

  constructor(rows: number, cols: number) {
    super('chosenLogprobs', [2, rows], rows, cols);
  }

  getUserCode(): string {
    // Each thread keeps m, the largest scaled logit it has seen, and s = Σ exp(z − m) over
    // its columns, rescaling s when m grows; pairs (m, s) then merge up a tree. This is
    // the single-read "online softmax" normaliser; the start value is finite so that
    // exp(m − m') never sees −inf − (−inf).
    return `
    ${this.wgConst}
    var<workgroup> peak : array<f32, WG>;
    var<workgroup> total : array<f32, WG>;

    fn main(index : i32) {
      ${rowPrologue('uniforms.logitsShape.x')}
      let rows = uniforms.logitsShape.x;
      let cols = uniforms.logitsShape.y;
      let base = row * cols;

      var m = -3.402823e+38;
      var s = 0.0;
      for (var col = tid; col < cols; col = col + WG) {
        let z = logits[base + col] * uniforms.invTemp;
        if (z > m) {
          s = s * exp(m - z) + 1.0;
          m = z;
        } else {
          s = s + exp(z - m);
        }
      }
      peak[tid] = m;
      total[tid] = s;
      workgroupBarrier();

      for (var half = WG / 2; half > 0; half = half / 2) {
        if (tid < half) {
          let a = peak[tid];
          let b = peak[tid + half];
          let top = max(a, b);
          total[tid] = total[tid] * exp(a - top) + total[tid + half] * exp(b - top);
          peak[tid] = top;
        }
        workgroupBarrier();
      }

      if (tid == 0 && live) {
        let lse = peak[0] + log(total[0]);
        let id = ids[row];
        var lp = 0.0;
        if (id >= 0 && id < cols) {
          lp = logits[base + id] * uniforms.invTemp - lse;
        }
        setOutputAtIndex(row, lp);
        setOutputAtIndex(rows + row, lse);
      }
    }`;
  }
}

/** logits [n, vocab], ids [n], stats [2, n], dy [n] -> d logits [n, vocab]. */
class ChosenLogprobsGradProgram extends ElementwiseProgram {
  variableNames = ['logits', 'ids', 'stats', 'dy'];
  uniforms = 'invTemp : f32,';

  constructor(rows: number, cols: number) {
    super('chosenLogprobsGrad', [rows, cols]);
  }

  getUserCode(): string {
    return `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let rows = uniforms.outShape.x;
        let cols = uniforms.outShape.y;
        let row = index / cols;
        let col = index - row * cols;
        let id = ids[row];
        let p = exp(logits[index] * uniforms.invTemp - stats[rows + row]);
        let hot = select(0.0, 1.0, col == id);
        let g = dy[row] * (hot - p) * uniforms.invTemp;
        setOutputAtIndex(index, select(0.0, g, id >= 0 && id < cols));
      }
    }`;
  }
}

function invTempOf(args: KernelArgs): number {
  return (args.attrs?.invTemp as number | undefined) ?? 1;
}

function chosenLogprobs(args: KernelArgs): tf.TensorInfo {
  const { logits, ids } = args.inputs;
  const [rows, cols] = logits.shape;
  const program = new ChosenLogprobsProgram(rows, cols);
  return run(args.backend, program, [logits, ids], [{ type: 'float32', data: [invTempOf(args)] }]);
}

function chosenLogprobsGrad(args: KernelArgs): tf.TensorInfo {
  const { logits, ids, stats, dy } = args.inputs;
  const [rows, cols] = logits.shape;
  const program = new ChosenLogprobsGradProgram(rows, cols);
  return run(
    args.backend,
    program,
    [logits, ids, stats, dy],
    [{ type: 'float32', data: [invTempOf(args)] }],
  );
}

export const logprobsKernels: tf.KernelConfig[] = [
  { kernelName: CHOSEN_LOGPROBS, backendName: 'webgpu', kernelFunc: chosenLogprobs as never },
  {
    kernelName: CHOSEN_LOGPROBS_GRAD,
    backendName: 'webgpu',
    kernelFunc: chosenLogprobsGrad as never,
  },
];

type GradFn = Parameters<typeof tf.customGrad>[0];
type Binary = (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

function checkInputs(logits: tf.Tensor, ids: tf.Tensor, temperature: number) {
  if (logits.rank !== 2 || logits.dtype !== 'float32') {
    throw new Error(
      `fusedSelectLogprobs: logits must be float32 [n, vocab], ` +
        `got ${logits.dtype} [${logits.shape}]`,
    );
  }
  if (ids.rank !== 1 || ids.dtype !== 'int32' || ids.shape[0] !== logits.shape[0]) {
    throw new Error(
      `fusedSelectLogprobs: ids must be int32 [${logits.shape[0]}], ` +
        `got ${ids.dtype} [${ids.shape}]`,
    );
  }
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new Error(
      `fusedSelectLogprobs: temperature must be a finite number > 0, got ${temperature}`,
    );
  }
}

/**
 * log softmax(logits / temperature)[i, ids[i]] for every row, as one webgpu kernel with a
 * fused gradient. Only for the webgpu backend (after `registerFusedKernels`).
 */
export function fusedSelectLogprobs(
  logits: tf.Tensor2D,
  ids: tf.Tensor1D,
  temperature = 1,
): tf.Tensor1D {
  checkInputs(logits, ids, temperature);
  const attrs = { invTemp: 1 / temperature };
  const op = tf.customGrad(((z: tf.Tensor, id: tf.Tensor, save: tf.GradSaveFunc) => {
    // [2, n]: log-probabilities, then the log-sum-exp the backward pass needs.
    const stats = tf.engine().runKernel(CHOSEN_LOGPROBS, { logits: z, ids: id }, attrs);
    save([z, id, stats as tf.Tensor]);
    return {
      value: tf.reshape(tf.slice(stats as tf.Tensor2D, [0, 0], [1, -1]), [-1]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sz, sid, sstats] = saved;
        const inputs = { logits: sz, ids: sid, stats: sstats, dy };
        const dz = tf.engine().runKernel(CHOSEN_LOGPROBS_GRAD, inputs, attrs) as tf.Tensor;
        return [dz, tf.zerosLike(sid)];
      },
    };
  }) as unknown as GradFn) as unknown as Binary;
  return op(logits, ids) as tf.Tensor1D;
}

/**
 * The backward kernel's formula in plain TF.js ops, so that Node tests can check it
 * against autodiff of the composite without a GPU: dy · (onehot(id) − exp(z/T − lse)) / T,
 * zero on rows whose id is out of range.
 */
export function selectLogprobsGradFormula(
  logits: tf.Tensor2D,
  ids: tf.Tensor1D,
  lse: tf.Tensor1D,
  dy: tf.Tensor1D,
  temperature = 1,
): tf.Tensor2D {
  return tf.tidy(() => {
    const vocab = logits.shape[1];
    const p = tf.exp(tf.sub(tf.div(logits, temperature), lse.expandDims(1)));
    const hot = tf.oneHot(ids, vocab).cast('float32');
    const valid = tf.logicalAnd(tf.greaterEqual(ids, 0), tf.less(ids, vocab)).cast('float32');
    const scale = tf.div(tf.mul(dy, valid), temperature).expandDims(1);
    return tf.mul(tf.sub(hot, p), scale) as tf.Tensor2D;
  });
}
