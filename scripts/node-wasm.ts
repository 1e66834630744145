/** Selects the tfjs wasm backend in Node (SIMD, one thread): ~30× the cpu backend here. */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

export async function useWasmBackend(): Promise<void> {
  const require = createRequire(import.meta.url);
  const dist = dirname(
    require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'),
  );
  setWasmPaths(dist + '/');
  await tf.setBackend('wasm');
  await tf.ready();
}
