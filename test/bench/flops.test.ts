// FLOP counting for "share of matmul peak", checked against counts done by hand.
import { describe, expect, it } from 'vitest';
import {
  gflops,
  matmulFlops,
  matmulParameters,
  trainingFlopsPerToken,
  trainingStepFlops,
} from '../../src/bench/flops';
import { tinyConfig } from '../helpers/tiny';

// The embedded model: 4 layers, d 128, 4 heads, vocab 2048, 128 positions, MLP 512.
const embedded = {
  ...tinyConfig(),
  vocab_size: 2048,
  n_positions: 128,
  n_embd: 128,
  n_layer: 4,
  n_head: 4,
};

describe('flops', () => {
  it('counts every parameter but the position table', () => {
    // Per layer: ln 2·2·128 = 512, c_attn 128·384 + 384 = 49 536, attn c_proj 16 384 + 128
    // = 16 512, c_fc 128·512 + 512 = 66 048, mlp c_proj 65 536 + 128 = 65 664 → 198 272.
    // wte 262 144 + 4 · 198 272 + ln_f 256 = 1 055 488 (wpe's 16 384 left out).
    expect(matmulParameters(embedded)).toBe(1_055_488);
    // Tiny: wte 800, layers 2 · (32 + 816 + 272 + 32 + 1088 + 1040) = 6560, ln_f 32.
    expect(matmulParameters(tinyConfig())).toBe(7_392);
  });

  it('adds 12·L·d·T for attention to 6·N', () => {
    // 6 · 1 055 488 = 6 332 928; 12 · 4 · 128 · 64 = 393 216.
    expect(trainingFlopsPerToken(embedded, 64)).toBe(6_726_144);
    // 6 · 7392 = 44 352; 12 · 2 · 16 · 8 = 3072.
    expect(trainingFlopsPerToken(tinyConfig(), 8)).toBe(47_424);
    expect(trainingStepFlops(tinyConfig(), 3, 8)).toBe(3 * 8 * 47_424);
  });

  it('counts a matrix product as 2·m·k·n and converts to GFLOP/s', () => {
    expect(matmulFlops(1024, 1024, 1024)).toBe(2_147_483_648);
    expect(matmulFlops(2, 3, 4)).toBe(48);
    // 2e9 FLOPs in 500 ms = 4 GFLOP/s.
    expect(gflops(2e9, 500)).toBe(4);
    expect(() => gflops(1, 0)).toThrow(/src\/bench\/flops.ts gflops\(\): time must be > 0 ms/);
  });
});
