// Sampling on a fixed logits vector, every expected value worked out by hand.
// logits [2, 1, 0, -1] at temperature 0.5 are scaled to s = [4, 2, 0, -2].
//   full softmax:  lse = 4 + ln(1 + e^-2 + e^-4 + e^-6) = 4.1450779
//                  log p = [-0.1450779, -2.1450779, -4.1450779, -6.1450779]
//                  p     = [0.8649549, 0.1170589, 0.0158422, 0.0021440]
//   top-k 2:       lse = 4 + ln(1 + e^-2) = 4.1269280 → [-0.1269280, -2.1269280, -∞, -∞]
//                  p = [0.8807971, 0.1192029]
//   top-p 0.99:    cumulative 0.865, 0.982, 0.998 ≥ 0.99 → three kept,
//                  lse = 4 + ln(1 + e^-2 + e^-4) = 4.1429316 → [-0.1429316, -2.1429316, -4.1429316, -∞]
import { describe, expect, it } from 'vitest';
import {
  filteredLogProbs,
  logSoftmax,
  sampleToken,
  seededRandom,
  validateSampling,
  type SamplingOptions,
} from '../../src/model/sampling';

const LOGITS = [2, 1, 0, -1];
const opts = (o: Partial<SamplingOptions>): SamplingOptions => ({
  temperature: 0.5,
  topK: 0,
  topP: 1,
  ...o,
});

function expectLogProbs(actual: ArrayLike<number>, expected: number[]) {
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, i) => {
    if (e === -Infinity) expect(actual[i], `index ${i}`).toBe(-Infinity);
    else expect(actual[i], `index ${i}`).toBeCloseTo(e, 6);
  });
}

/** A "random" source that returns the given numbers in turn. */
const fixedRandom = (...u: number[]) => {
  let i = 0;
  return () => u[i++];
};

describe('filteredLogProbs', () => {
  it('without filtering is the temperature-scaled log-softmax', () => {
    const full = [-0.1450779, -2.1450779, -4.1450779, -6.1450779];
    expectLogProbs(filteredLogProbs(LOGITS, opts({})), full);
    expectLogProbs(logSoftmax(LOGITS, 0.5), full);
  });

  it('top-k 2 renormalises over the two largest', () => {
    expectLogProbs(filteredLogProbs(LOGITS, opts({ topK: 2 })), [
      -0.126928,
      -2.126928,
      -Infinity,
      -Infinity,
    ]);
  });

  it('top-p keeps the smallest prefix whose mass reaches p', () => {
    // 0.8: the first token alone (0.865 ≥ 0.8) → probability 1.
    expectLogProbs(filteredLogProbs(LOGITS, opts({ topP: 0.8 })), [
      0,
      -Infinity,
      -Infinity,
      -Infinity,
    ]);
    // 0.9: 0.865 < 0.9 ≤ 0.982 → the same two tokens as top-k 2.
    expectLogProbs(filteredLogProbs(LOGITS, opts({ topP: 0.9 })), [
      -0.126928,
      -2.126928,
      -Infinity,
      -Infinity,
    ]);
    expectLogProbs(filteredLogProbs(LOGITS, opts({ topP: 0.99 })), [
      -0.1429316,
      -2.1429316,
      -4.1429316,
      -Infinity,
    ]);
  });

  it('applies top-p to the distribution renormalised after top-k', () => {
    // top-k 3: p = [0.8668, 0.1173, 0.0159]; top-p 0.9 then keeps two.
    expectLogProbs(filteredLogProbs(LOGITS, opts({ topK: 3, topP: 0.9 })), [
      -0.126928,
      -2.126928,
      -Infinity,
      -Infinity,
    ]);
  });

  it('keeps every token tied at the top-k threshold', () => {
    // [1, 1, 1, 0] with k = 2: the three tied ones stay, each ln(1/3) = -1.0986123.
    const lp = filteredLogProbs([1, 1, 1, 0], { temperature: 1, topK: 2, topP: 1 });
    expectLogProbs(lp, [-1.0986123, -1.0986123, -1.0986123, -Infinity]);
  });

  it('top-k larger than the vocabulary keeps everything', () => {
    expectLogProbs(
      filteredLogProbs(LOGITS, opts({ topK: 10 })),
      [-0.1450779, -2.1450779, -4.1450779, -6.1450779],
    );
  });
});

describe('sampleToken', () => {
  it('inverts the cumulative distribution it reports', () => {
    // top-k 2: p = [0.8808, 0.1192]. u = 0.5 falls in token 0, u = 0.9 in token 1.
    expect(sampleToken(LOGITS, opts({ topK: 2 }), fixedRandom(0.5))).toEqual({
      token: 0,
      logprob: expect.closeTo(-0.126928, 6),
    });
    expect(sampleToken(LOGITS, opts({ topK: 2 }), fixedRandom(0.9))).toEqual({
      token: 1,
      logprob: expect.closeTo(-2.126928, 6),
    });
  });

  it('falls back to the last kept token when rounding leaves a sliver of mass', () => {
    const r = sampleToken(LOGITS, opts({ topK: 2 }), fixedRandom(0.9999999999999999));
    expect(r.token).toBe(1);
  });

  it('greedy takes the arg-max and reports its temperature-scaled log-probability', () => {
    const r = sampleToken(LOGITS, opts({ greedy: true, topK: 1 }), fixedRandom());
    expect(r).toEqual({ token: 0, logprob: expect.closeTo(-0.1450779, 6) });
    // The first of equal maxima wins.
    expect(sampleToken([0, 3, 3], opts({ greedy: true }), fixedRandom()).token).toBe(1);
  });

  it('draws tokens with the frequencies it reports (seeded, 20,000 draws)', () => {
    const random = seededRandom(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20_000; i++) counts[sampleToken(LOGITS, opts({ topK: 2 }), random).token]++;
    // p = 0.8808; the standard error of the fraction is sqrt(0.88·0.12/20000) = 0.0023.
    expect(counts[0] / 20_000).toBeCloseTo(0.8808, 1);
    expect(Math.abs(counts[0] / 20_000 - 0.8808)).toBeLessThan(0.01);
    expect(counts[2] + counts[3]).toBe(0);
  });
});

describe('seededRandom', () => {
  it('repeats for a seed, differs between seeds, stays in [0, 1)', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const c = seededRandom(2);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(c()).not.toBe(xs[0]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });
});

describe('validateSampling', () => {
  it.each([
    [{ temperature: 0 }, 'temperature must be > 0'],
    [{ temperature: Infinity }, 'temperature must be > 0'],
    [{ topK: -1 }, 'topK must be an integer'],
    [{ topK: 1.5 }, 'topK must be an integer'],
    [{ topP: 0 }, 'topP must be in (0, 1]'],
    [{ topP: 1.1 }, 'topP must be in (0, 1]'],
  ])('rejects %j', (bad, message) => {
    expect(() => validateSampling(opts(bad))).toThrow(message);
  });
});
