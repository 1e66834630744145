// The peer comparison's data: both models must see exactly the same token ids.
import { describe, expect, it } from 'vitest';
import { fixedTokenRows, peerTokenStream } from '../../src/bench/peer';

describe('peer data', () => {
  it('cuts rows from the token ids read cyclically', () => {
    expect(fixedTokenRows([1, 2, 3, 4, 5], 3, 4)).toEqual([
      [1, 2, 3, 4],
      [5, 1, 2, 3],
      [4, 5, 1, 2],
    ]);
    expect(() => fixedTokenRows([], 1, 4)).toThrow(/fixedTokenRows\(\): no token ids/);
  });

  it("lays rows end to end so that each of the peer's T-token windows is one row", () => {
    const rows = [
      [10, 11, 12],
      [20, 21, 22],
    ];
    const stream = peerTokenStream(rows, 2);
    expect(Array.from(stream)).toEqual([10, 11, 12, 20, 21, 22, 10, 11, 12, 20, 21, 22, 10]);
    // Window k (inputs) starts at k·T; its targets, shifted by one, need the closing token.
    const T = 3;
    for (let k = 0; k < 4; k++)
      expect(Array.from(stream.slice(k * T, k * T + T))).toEqual(rows[k % 2]);
    expect(stream.length).toBe(2 * 2 * T + 1);
  });
});
