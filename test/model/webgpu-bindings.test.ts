// On webgpu, tf.addN binds every input to one shader; past the device's storage-buffer limit
// (8 per stage on SwiftShader) the submission fails silently and everything queued with it
// reads back as zeros or stale values. This is how the gradient norm and the reward-model
// loss once read 0 on webgpu (test/browser/rlhf-webgpu.test.ts). tf.concat and tf.stack split
// their inputs and are safe (tested there). So no source file may call tf.addN.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('ops that bind one buffer per input', () => {
  it('tf.addN appears nowhere under src/', () => {
    const offenders = sources('src').filter((f) => /\baddN\s*\(/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });
});
