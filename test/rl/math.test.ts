// Every expected number below was worked out by hand (the working is in the comments) or is a
// textbook constant (ln 2, ln 4, e); none is computed by the code under test.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdaptiveKLController,
  FixedKLController,
  bradleyTerryLoss,
  clippedPolicyLoss,
  clippedValueLoss,
  entropyFromLogits,
  explainedVariance,
  gae,
  klPenalty,
  maskedMean,
  maskedSum,
  maskedVar,
  pairAccuracy,
  rewardWithKL,
  whiten,
} from '../../src/rl/math';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const t1 = (v: number[]) => tf.tensor1d(v);
const t2 = (v: number[][]) => tf.tensor2d(v);

async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

function expectClose(actual: number[], expected: number[], digits = 6) {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, i) => expect(actual[i], `index ${i}`).toBeCloseTo(e, digits));
}

describe('masked statistics', () => {
  it('sums and averages only where the mask is 1, row-wise with an axis', async () => {
    const x = t2([
      [1, 2, 100],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    const m = t2([
      [1, 1, 0],
      [1, 1, 1],
      [0, 0, 0],
    ]);
    // Whole tensor: (1 + 2 + 4 + 5 + 6) = 18 over 5 entries = 3.6.
    expect((await values(maskedSum(x, m)))[0]).toBeCloseTo(18, 6);
    expect((await values(maskedMean(x, m)))[0]).toBeCloseTo(3.6, 6);
    // Rows: 3/2 = 1.5, 15/3 = 5, empty row = 0 (not NaN).
    expectClose(await values(maskedSum(x, m, 1)), [3, 15, 0]);
    expectClose(await values(maskedMean(x, m, 1)), [1.5, 5, 0]);
  });

  it('gives a mean of 0 for an all-zero mask, even over NaN and -Infinity padding', async () => {
    const x = t1([NaN, -Infinity, 3]);
    expect((await values(maskedMean(x, t1([0, 0, 0]))))[0]).toBe(0);
    expect((await values(maskedMean(x, t1([0, 0, 1]))))[0]).toBe(3);
  });

  it('computes unbiased and biased variance, and 0 for one or no entries', async () => {
    // [1, 2, 3, 4, pad]: mean 2.5, squares 2.25 + 0.25 + 0.25 + 2.25 = 5 → 5/3 and 5/4.
    const x = t1([1, 2, 3, 4, 99]);
    const m = t1([1, 1, 1, 1, 0]);
    expect((await values(maskedVar(x, m)))[0]).toBeCloseTo(1.6666667, 6);
    expect((await values(maskedVar(x, m, false)))[0]).toBeCloseTo(1.25, 6);
    expect((await values(maskedVar(x, t1([0, 0, 1, 0, 0]))))[0]).toBe(0);
    expect((await values(maskedVar(x, t1([0, 0, 0, 0, 0]))))[0]).toBe(0);
  });

  it('names the function and the argument when shapes disagree', () => {
    expect(() => maskedMean(t1([1, 2]), t1([1, 1, 1]))).toThrow(
      /src\/rl\/math\.ts maskedMean\(\): 'mask' has shape \[3\] but 'x' has \[2\]/,
    );
  });
});

describe('whiten', () => {
  it('gives zeros for a constant batch and for a single element', async () => {
    expect(await values(whiten(t1([0.5, 0.5, 0.5, 0.5]), t1([1, 1, 1, 1])))).toEqual([0, 0, 0, 0]);
    expect(await values(whiten(t1([0.7]), t1([1])))).toEqual([0]);
    // 0.1 is not exact in float32, so the mean carries rounding; still exactly zero.
    expect(await values(whiten(t1([0.1, 0.1, 0.1]), t1([1, 1, 1])))).toEqual([0, 0, 0]);
  });

  it('adds the mean back to a constant batch when shiftMean is false', async () => {
    expectClose(await values(whiten(t1([0.5, 0.5]), t1([1, 1]), false)), [0.5, 0.5]);
  });

  it('whitens [1, 2, 3, 4] with the unbiased variance and zeroes padding', async () => {
    // mean 2.5, var 5/3, std sqrt(5/3) = 1.2909944; 1.5/std = 1.1618950, 0.5/std = 0.3872983.
    const x = t1([1, 2, 3, 4, 99]);
    const m = t1([1, 1, 1, 1, 0]);
    expectClose(await values(whiten(x, m)), [-1.161895, -0.3872983, 0.3872983, 1.161895, 0]);
    // shiftMean = false: the same plus 2.5.
    expectClose(await values(whiten(x, m, false)), [1.338105, 2.1127017, 2.8872983, 3.661895, 0]);
  });
});

describe('gae', () => {
  it('matches a hand-worked 3-step example and a right-padded row', async () => {
    // γ = 0.9, λ = 0.8, γλ = 0.72.
    // Row 0: r = [0, 0, 1], V = [0.5, 0.6, 0.7], all real.
    //   t=2: δ = 1 + 0.9·0 − 0.7 = 0.3;             A2 = 0.3
    //   t=1: δ = 0 + 0.9·0.7 − 0.6 = 0.03;          A1 = 0.03 + 0.72·0.3 = 0.246
    //   t=0: δ = 0 + 0.9·0.6 − 0.5 = 0.04;          A0 = 0.04 + 0.72·0.246 = 0.21712
    //   returns = A + V = [0.71712, 0.846, 1.0]
    // Row 1: r = [0.5, 2, (9)], V = [1, 0.5, (7)], mask [1, 1, 0]; the pad holds junk.
    //   t=2: masked, A2 = 0 and V2 counts as 0
    //   t=1: δ = 2 + 0.9·0 − 0.5 = 1.5;              A1 = 1.5
    //   t=0: δ = 0.5 + 0.9·0.5 − 1 = −0.05;          A0 = −0.05 + 0.72·1.5 = 1.03
    //   returns = [2.03, 2.0, 0]
    const rewards = t2([
      [0, 0, 1],
      [0.5, 2, 9],
    ]);
    const v = t2([
      [0.5, 0.6, 0.7],
      [1, 0.5, 7],
    ]);
    const m = t2([
      [1, 1, 1],
      [1, 1, 0],
    ]);
    const { advantages, returns } = gae(rewards, v, m, 0.9, 0.8);
    expect(advantages.shape).toEqual([2, 3]);
    expectClose(await values(advantages), [0.21712, 0.246, 0.3, 1.03, 1.5, 0]);
    expectClose(await values(returns), [0.71712, 0.846, 1.0, 2.03, 2.0, 0]);
  });

  it('with γ = λ = 1 sums the remaining rewards minus the value', async () => {
    // r = [1, 2, 3], V = [0, 0, 0]: A = [6, 5, 3].
    const { advantages } = gae(t2([[1, 2, 3]]), t2([[0, 0, 0]]), t2([[1, 1, 1]]), 1, 1);
    expectClose(await values(advantages), [6, 5, 3]);
  });

  it('leaks no tensors inside tf.tidy and rejects a bad gamma by name', () => {
    const before = tf.memory().numTensors;
    const r = t2([[1, 2]]);
    const m = t2([[1, 1]]);
    tf.tidy(() => gae(r, r, m, 0.99, 0.95).advantages).dispose(); // tidy keeps what it returns
    r.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => gae(t2([[1]]), t2([[1]]), t2([[1]]), 1.5, 0.9)).toThrow(/gae\(\): 'gamma'/);
  });
});

describe('bradleyTerryLoss and pairAccuracy', () => {
  it('is ln 2 at margin 0', async () => {
    expect((await values(bradleyTerryLoss(t1([0.3]), t1([0.3]))))[0]).toBeCloseTo(
      0.6931471805599453,
      6,
    );
  });

  it('averages softplus(−margin) over pairs, and weights them', async () => {
    // margins 1, 0, −2: ln(1 + e^−1) = 0.3132617, ln 2 = 0.6931472, ln(1 + e^2) = 2.1269280.
    const rc = t1([1, 0.5, -1]);
    const rr = t1([0, 0.5, 1]);
    // (0.3132617 + 0.6931472 + 2.1269280)/3 = 1.0444456
    expect((await values(bradleyTerryLoss(rc, rr)))[0]).toBeCloseTo(1.0444456, 6);
    // weights [1, 0, 3]: (0.3132617 + 3·2.1269280)/4 = 1.6735114
    expect((await values(bradleyTerryLoss(rc, rr, t1([1, 0, 3]))))[0]).toBeCloseTo(1.6735114, 6);
  });

  it('stays finite for huge margins', async () => {
    // margin −100: −log σ(−100) = 100 (to float32); margin +100: e^−100, i.e. 0.
    expectClose(await values(bradleyTerryLoss(t1([0]), t1([100]))), [100], 4);
    expectClose(await values(bradleyTerryLoss(t1([100]), t1([0]))), [0], 6);
  });

  it('has gradient −σ(−margin)/N for the chosen reward', async () => {
    // d/drc softplus(rr − rc) = −σ(rr − rc); margin 0 → −0.5, over 2 pairs → −0.25 each.
    const g = tf.grad((rc: tf.Tensor) => bradleyTerryLoss(rc as tf.Tensor1D, t1([1, 2])));
    expectClose(await values(g(t1([1, 2]))), [-0.25, -0.25]);
  });

  it('counts ties as half in pairAccuracy', async () => {
    // right, tie, wrong, right → (1 + 0.5 + 0 + 1)/4 = 0.625
    const acc = pairAccuracy(t1([2, 1, 0, 5]), t1([1, 1, 3, -5]));
    expect((await values(acc))[0]).toBeCloseTo(0.625, 6);
  });
});

describe('klPenalty', () => {
  it('is exactly 0 for identical log-probs, for every estimator', async () => {
    const lp = t2([[-1.3, -0.01, -7]]);
    for (const kind of ['k1', 'k2', 'k3'] as const) {
      expect(await values(klPenalty(lp, lp, kind))).toEqual([0, 0, 0]);
    }
  });

  it('matches hand values for logp = −1, ref = −2 and logp = −2, ref = −1', async () => {
    const logp = t1([-1, -2]);
    const ref = t1([-2, -1]);
    // k1 = logp − ref = [1, −1]; k2 = ½(logp − ref)² = [0.5, 0.5]
    expectClose(await values(klPenalty(logp, ref, 'k1')), [1, -1]);
    expectClose(await values(klPenalty(logp, ref, 'k2')), [0.5, 0.5]);
    // k3: r = e^(ref − logp). r = e^−1: (e^−1 − 1) + 1 = 0.3678794; r = e: (e − 1) − 1 = 0.7182818
    expectClose(await values(klPenalty(logp, ref, 'k3')), [0.3678794, 0.7182818]);
  });

  it('rejects an unknown estimator by name', () => {
    expect(() => klPenalty(t1([0]), t1([0]), 'k4' as 'k1')).toThrow(/'kind' must be .* got 'k4'/);
  });
});

describe('rewardWithKL', () => {
  it('spreads −β·kl over real tokens and adds the score at the last real token', async () => {
    // β = 0.1, k1. Row 0 (3 real): kl = [−1 + 2, −2 + 2, −0.5 + 1] = [1, 0, 0.5]
    //   rewards = [−0.1, 0, −0.05 + 2] = [−0.1, 0, 1.95]; non-score sum −0.15
    // Row 1 (2 real, pad kl would be −3 − 0 = −3 but is masked):
    //   kl = [−1 + 0.5, 0, 0] = [−0.5, 0, 0]; rewards = [0.05, 0 + (−1), 0]; non-score 0.05
    const logp = t2([
      [-1, -2, -0.5],
      [-1, -1, -3],
    ]);
    const ref = t2([
      [-2, -2, -1],
      [-0.5, -1, 0],
    ]);
    const m = t2([
      [1, 1, 1],
      [1, 1, 0],
    ]);
    const { rewards, kl, nonScoreReward } = rewardWithKL(t1([2, -1]), logp, ref, m, 0.1, 'k1');
    expectClose(await values(kl), [1, 0, 0.5, -0.5, 0, 0]);
    expectClose(await values(rewards), [-0.1, 0, 1.95, 0.05, -1, 0]);
    expectClose(await values(nonScoreReward), [-0.15, 0.05]);
  });

  it('uses k3 when asked and gives an empty row no score', async () => {
    // logp −1, ref −2: k3 = 0.3678794; β = 0.5 → −0.1839397, + score 1 = 0.8160603.
    const out = rewardWithKL(
      t1([1, 4]),
      t2([[-1], [-1]]),
      t2([[-2], [-2]]),
      t2([[1], [0]]),
      0.5,
      'k3',
    );
    expectClose(await values(out.rewards), [0.8160603, 0]);
  });
});

describe('clippedPolicyLoss', () => {
  // ε = 0.2. ln 1.5 = 0.4054651, ln 0.5 = −0.6931472.
  //   ρ 1.5, A +1: max(−1.5, −1.2) = −1.2, clipped branch larger
  //   ρ 1.5, A −1: max( 1.5,  1.2) =  1.5
  //   ρ 0.5, A +1: max(−0.5, −0.8) = −0.5
  //   ρ 0.5, A −1: max( 0.5,  0.8) =  0.8, clipped branch larger
  const cases = [
    { ratioLog: 0.4054651081081644, a: 1, loss: -1.2, clipfrac: 1 },
    { ratioLog: 0.4054651081081644, a: -1, loss: 1.5, clipfrac: 0 },
    { ratioLog: -0.6931471805599453, a: 1, loss: -0.5, clipfrac: 0 },
    { ratioLog: -0.6931471805599453, a: -1, loss: 0.8, clipfrac: 1 },
  ];
  it.each(cases)('log ρ $ratioLog, A $a → loss $loss', async ({ ratioLog, a, loss, clipfrac }) => {
    const out = clippedPolicyLoss(t1([ratioLog]), t1([0]), t1([a]), t1([1]), 0.2);
    expect((await values(out.loss))[0]).toBeCloseTo(loss, 6);
    expect((await values(out.clipfrac))[0]).toBe(clipfrac);
  });

  it('averages the four cases over the mask and reports approxkl and the mean ratio', async () => {
    // Padding (last column) holds junk that must not count.
    const logp = t2([[0.4054651, 0.4054651, -0.6931472, -0.6931472, 50]]);
    const out = clippedPolicyLoss(
      logp,
      t2([[0, 0, 0, 0, 0]]),
      t2([[1, -1, 1, -1, 9]]),
      t2([[1, 1, 1, 1, 0]]),
      0.2,
    );
    // loss (−1.2 + 1.5 − 0.5 + 0.8)/4 = 0.15; clipfrac 2/4.
    expect((await values(out.loss))[0]).toBeCloseTo(0.15, 6);
    expect((await values(out.clipfrac))[0]).toBeCloseTo(0.5, 6);
    // approxkl: ½·0.4054651² = 0.0822010, ½·0.6931472² = 0.2402265 → (2·0.0822010 + 2·0.2402265)/4
    expect((await values(out.approxkl))[0]).toBeCloseTo(0.1612137, 6);
    // ratioMean (1.5 + 1.5 + 0.5 + 0.5)/4 = 1
    expect((await values(out.ratioMean))[0]).toBeCloseTo(1, 6);
  });

  it('passes no gradient through a clipped token and ρ/N through an unclipped one', async () => {
    // Tokens: (ρ 1.5, A +1) clipped → 0; (ρ 1.5, A −1) loss = ρ → dρ/dlogp = ρ = 1.5, /2 = 0.75.
    const g = tf.grad(
      (lp: tf.Tensor) => clippedPolicyLoss(lp, t1([0, 0]), t1([1, -1]), t1([1, 1]), 0.2).loss,
    );
    expectClose(await values(g(t1([0.4054651, 0.4054651]))), [0, 0.75], 5);
  });
});

describe('clippedValueLoss', () => {
  it('takes the larger squared error of the clipped and unclipped value', async () => {
    // c = 0.2, old = 0.
    //   V 0.5, R 1: v' = 0.2; (0.5)² = 0.25 vs (0.8)² = 0.64 → 0.64, clipped larger
    //   V 0.5, R 0: v' = 0.2; 0.25 vs 0.04 → 0.25
    //   V 0.1, R 1: inside the range, both 0.81 → 0.81, not strictly larger
    //   loss = ½·(0.64 + 0.25 + 0.81)/3 = 0.2833333; clipfrac 1/3
    const out = clippedValueLoss(
      t1([0.5, 0.5, 0.1, 42]),
      t1([0, 0, 0, 0]),
      t1([1, 0, 1, -42]),
      t1([1, 1, 1, 0]),
      0.2,
    );
    expect((await values(out.loss))[0]).toBeCloseTo(0.2833333, 6);
    expect((await values(out.clipfrac))[0]).toBeCloseTo(0.3333333, 6);
  });
  it('passes gradient only through the branch that max() picked', async () => {
    // Same first three tokens, d loss/dV = ½·2(V − R)/3 on the unclipped branch, 0 when clipped:
    //   V 0.5, R 1: clipped branch wins and V − old = 0.5 is outside the range → 0
    //   V 0.5, R 0: unclipped → 0.5/3 = 0.1666667
    //   V 0.1, R 1: a tie goes to the unclipped branch → −0.9/3 = −0.3
    const g = tf.grad(
      (v: tf.Tensor) => clippedValueLoss(v, t1([0, 0, 0]), t1([1, 0, 1]), t1([1, 1, 1]), 0.2).loss,
    );
    expectClose(await values(g(t1([0.5, 0.5, 0.1]))), [0, 0.1666667, -0.3]);
  });
});

describe('entropyFromLogits', () => {
  it('is ln 4 for a uniform distribution over 4 tokens', async () => {
    const h = entropyFromLogits(tf.zeros([2, 3, 4]) as tf.Tensor3D, tf.ones([2, 3]) as tf.Tensor2D);
    expect((await values(h))[0]).toBeCloseTo(1.3862943611198906, 5);
  });

  it('averages over masked tokens only', async () => {
    // Token 0: p = [0.25, 0.75] (logits 0, ln 3): −(0.25 ln 0.25 + 0.75 ln 0.75) = 0.5623351.
    // Token 1 is padding with a near-one-hot distribution that must not count.
    const logits = tf.tensor3d([
      [
        [0, Math.log(3)],
        [0, 30],
      ],
    ]);
    expect((await values(entropyFromLogits(logits, t2([[1, 0]]))))[0]).toBeCloseTo(0.5623351, 5);
  });
});

describe('explainedVariance', () => {
  it('is 1 − Var(residual)/Var(returns) over masked entries', async () => {
    // returns [1, 2, 3, 4]: var 1.25. values [1, 2, 3, 3]: residual [0, 0, 0, 1], var
    // 0.25 − 0.0625 = 0.1875. 1 − 0.1875/1.25 = 0.85.
    const ev = explainedVariance(t1([1, 2, 3, 3, 0]), t1([1, 2, 3, 4, 100]), t1([1, 1, 1, 1, 0]));
    expect((await values(ev))[0]).toBeCloseTo(0.85, 6);
  });

  it('is 0, not NaN, when the returns are constant', async () => {
    expect((await values(explainedVariance(t1([0, 1]), t1([2, 2]), t1([1, 1]))))[0]).toBe(0);
  });
});

describe('KL controllers', () => {
  it('adapts β by the clipped proportional error', () => {
    // init 0.1, target 6, horizon 10000.
    const c = new AdaptiveKLController(0.1, 6, 10000);
    // KL 9: 9/6 − 1 = 0.5 → clipped 0.2; β = 0.1·(1 + 0.2·256/10000) = 0.1·1.00512 = 0.100512
    c.update(9, 256);
    expect(c.value).toBeCloseTo(0.100512, 10);
    // KL on target: error 0, β unchanged.
    c.update(6, 100);
    expect(c.value).toBeCloseTo(0.100512, 10);
    // KL 3: −0.5 → −0.2; ·(1 − 0.2·1000/10000) = ·0.98 → 0.09850176
    c.update(3, 1000);
    expect(c.value).toBeCloseTo(0.09850176, 10);
    // KL 6.6: 0.1 unclipped; ·(1 + 0.1·5000/10000) = ·1.05 → 0.103426848
    c.update(6.6, 5000);
    expect(c.value).toBeCloseTo(0.103426848, 10);
  });

  it('keeps a fixed β and rejects bad settings by name', () => {
    const f = new FixedKLController(0.05);
    f.update(100, 1000);
    expect(f.value).toBe(0.05);
    expect(() => new AdaptiveKLController(0.1, 0, 10000)).toThrow(/'target'/);
    expect(() => new AdaptiveKLController(0.1, 6, 10000).update(NaN, 1)).toThrow(/'currentKl'/);
  });
});
