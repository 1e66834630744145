/**
 * Position ids and attention masks for left-padded batches, computed on the CPU: they are
 * small ([batch, time, total]) and the same for every layer.
 */

/**
 * Position of each of this call's tokens: the number of real tokens before it, so padding
 * does not shift positions. mask is [batch][past + time]; padding positions get 0.
 */
export function positionIds(mask: number[][], pastLen: number, time: number): Int32Array {
  const out = new Int32Array(mask.length * time);
  mask.forEach((row, b) => {
    let count = 0;
    for (let s = 0; s < pastLen; s++) count += row[s] ? 1 : 0;
    for (let t = 0; t < time; t++) {
      const real = row[pastLen + t] ? 1 : 0;
      out[b * time + t] = real ? count : 0;
      count += real;
    }
  });
  return out;
}

/** Large negative logit for hidden keys; finite, so fully hidden rows stay NaN-free. */
export const NEG_INF = -1e9;

/**
 * Additive attention bias [batch, 1, time, total]: 0 where query t (at absolute position
 * pastLen + t) may see key s — s ≤ pastLen + t and key s is a real token — else NEG_INF.
 */
export function buildAttentionBias(mask: number[][], pastLen: number, time: number): Float32Array {
  const total = pastLen + time;
  const out = new Float32Array(mask.length * time * total);
  mask.forEach((row, b) => {
    if (row.length !== total) {
      throw new Error(`mask row ${b} has ${row.length} entries, expected ${total}`);
    }
    for (let t = 0; t < time; t++) {
      const base = (b * time + t) * total;
      for (let s = 0; s < total; s++) {
        out[base + s] = s <= pastLen + t && row[s] ? 0 : NEG_INF;
      }
    }
  });
  return out;
}
