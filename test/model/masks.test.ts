// Position ids and attention bias for left-padded batches, checked entry by entry.
import { describe, expect, it } from 'vitest';
import { NEG_INF, buildAttentionBias, positionIds } from '../../src/model/masks';

const X = NEG_INF;

describe('positionIds', () => {
  it('counts real tokens only, so left padding does not shift positions', () => {
    // Row 0 unpadded, row 1 with two padding columns in front.
    const mask = [
      [1, 1, 1, 1],
      [0, 0, 1, 1],
    ];
    expect(Array.from(positionIds(mask, 0, 4))).toEqual([0, 1, 2, 3, 0, 0, 0, 1]);
  });

  it('continues after a cache, and a finished row fed padding keeps its count', () => {
    // Past of 3 columns; this call adds 1. Row 1's new column is padding (finished row).
    const mask = [
      [0, 1, 1, 1],
      [1, 1, 1, 0],
    ];
    expect(Array.from(positionIds(mask, 3, 1))).toEqual([2, 0]);
  });
});

describe('buildAttentionBias', () => {
  it('is causal and hides padding keys', () => {
    // One row [pad, a, b]: query a sees only a; query b sees a and b; the padding query
    // sees nothing (all hidden: its output is never used).
    const bias = Array.from(buildAttentionBias([[0, 1, 1]], 0, 3));
    expect(bias).toEqual([X, X, X, X, 0, X, X, 0, 0]);
  });

  it('lets one new query see every real cached key', () => {
    const bias = Array.from(buildAttentionBias([[0, 1, 1, 1]], 3, 1));
    expect(bias).toEqual([X, 0, 0, 0]);
  });

  it('rejects a mask row of the wrong length naming the row', () => {
    expect(() => buildAttentionBias([[1, 1], [1]], 0, 2)).toThrow(
      'mask row 1 has 1 entries, expected 2',
    );
  });
});
