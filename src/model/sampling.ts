/**
 * Sampling from next-token logits on the CPU. Logits come back once per step (one small
 * async read), and the filtered distribution is computed here in float64, so the
 * log-probability returned for each token is exactly that of the distribution it was
 * drawn from.
 */

export interface SamplingOptions {
  /** Divides the logits; 1 leaves them as they are. Must be > 0. */
  temperature: number;
  /** Keep only the k most likely tokens; 0 keeps all. */
  topK: number;
  /** Keep the smallest set of tokens whose probability sums to ≥ topP; 1 keeps all. */
  topP: number;
  /** Always take the most likely token (temperature, top-k and top-p are then ignored). */
  greedy?: boolean;
}

export const DEFAULT_SAMPLING: Readonly<SamplingOptions> = Object.freeze({
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
});

export function validateSampling(o: SamplingOptions): SamplingOptions {
  if (!(o.temperature > 0) || !Number.isFinite(o.temperature)) {
    throw new Error(`sampling: temperature must be > 0, got ${o.temperature}`);
  }
  if (!Number.isInteger(o.topK) || o.topK < 0) {
    throw new Error(`sampling: topK must be an integer ≥ 0 (0 = off), got ${o.topK}`);
  }
  if (!(o.topP > 0 && o.topP <= 1)) {
    throw new Error(`sampling: topP must be in (0, 1], got ${o.topP}`);
  }
  return o;
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The filtered, temperature-scaled log-distribution: log-probabilities of the kept
 * tokens (renormalised) and -Infinity for the rest. Ties at the top-k threshold are kept.
 */
export function filteredLogProbs(logits: ArrayLike<number>, o: SamplingOptions): Float64Array {
  const n = logits.length;
  const scaled = new Float64Array(n);
  for (let i = 0; i < n; i++) scaled[i] = logits[i] / o.temperature;

  const keep = new Uint8Array(n).fill(1);
  if (o.topK > 0 && o.topK < n) {
    const kth = Float64Array.from(scaled).sort()[n - o.topK];
    for (let i = 0; i < n; i++) if (scaled[i] < kth) keep[i] = 0;
  }
  const logp = logSoftmaxKept(scaled, keep);
  if (o.topP < 1) {
    const order = Array.from({ length: n }, (_, i) => i)
      .filter((i) => keep[i])
      .sort((a, b) => logp[b] - logp[a]);
    let cum = 0;
    let cut = order.length;
    for (let j = 0; j < order.length; j++) {
      cum += Math.exp(logp[order[j]]);
      if (cum >= o.topP) {
        cut = j + 1;
        break;
      }
    }
    for (let j = cut; j < order.length; j++) keep[order[j]] = 0;
    return logSoftmaxKept(scaled, keep);
  }
  return logp;
}

function logSoftmaxKept(x: Float64Array, keep: Uint8Array): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (keep[i] && x[i] > max) max = x[i];
  let sum = 0;
  for (let i = 0; i < x.length; i++) if (keep[i]) sum += Math.exp(x[i] - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = keep[i] ? x[i] - lse : -Infinity;
  return out;
}

/** Full log-softmax of logits / temperature (no filtering). */
export function logSoftmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const x = new Float64Array(logits.length);
  for (let i = 0; i < x.length; i++) x[i] = logits[i] / temperature;
  return logSoftmaxKept(x, new Uint8Array(x.length).fill(1));
}

/** Draws one token; returns it with its log-probability under the distribution used. */
export function sampleToken(
  logits: ArrayLike<number>,
  o: SamplingOptions,
  random: () => number,
): { token: number; logprob: number } {
  if (o.greedy) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return { token: best, logprob: logSoftmax(logits, o.temperature)[best] };
  }
  const logp = filteredLogProbs(logits, o);
  let u = random();
  let last = -1;
  for (let i = 0; i < logp.length; i++) {
    if (logp[i] === -Infinity) continue;
    last = i;
    u -= Math.exp(logp[i]);
    if (u < 0) return { token: i, logprob: logp[i] };
  }
  // Rounding left a sliver of mass: fall back to the last kept token.
  return { token: last, logprob: logp[last] };
}
