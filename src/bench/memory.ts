/**
 * Peak tensor memory while a piece of work runs. tf.memory() read between steps misses the
 * peak, which sits inside a step: at the end of a forward pass, when the gradient tape holds
 * every activation. So the meter reads tf.memory() after every kernel, by wrapping the
 * engine's one entry point for kernels. A bench-only instrument: one comparison per kernel,
 * nothing the product uses.
 */
import * as tf from '@tensorflow/tfjs';

export interface MemoryPeak {
  /** Largest tf.memory().numBytes seen: bytes held by live tensors, on any device. */
  bytes: number;
  /** Largest numBytesInGPU seen, where the backend reports it (webgpu, webgl). */
  bytesInGPU?: number;
}

type KernelRunner = { runKernelFunc: (...args: unknown[]) => unknown };

/** The engine calls this.runKernelFunc for every kernel; an own property shadows the method. */
function engineRunner(): KernelRunner {
  return tf.engine() as unknown as KernelRunner;
}

export class PeakMemoryMeter {
  private peak: MemoryPeak = { bytes: 0 };
  /** What the engine had before start(): its own wrapper (another meter) or none. */
  private saved?: { own?: PropertyDescriptor };

  /** Starts metering (again) from the memory in use now. */
  start(): this {
    this.stop();
    this.peak = { bytes: 0 };
    this.sample();
    const runner = engineRunner();
    const original = runner.runKernelFunc;
    this.saved = { own: Object.getOwnPropertyDescriptor(runner, 'runKernelFunc') };
    runner.runKernelFunc = (...args: unknown[]) => {
      const out = original.apply(runner, args);
      this.sample();
      return out;
    };
    return this;
  }

  /** Reads tf.memory() now; also called by hand where no kernel runs (e.g. after a read-back). */
  sample() {
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    this.peak.bytes = Math.max(this.peak.bytes, m.numBytes);
    if (typeof m.numBytesInGPU === 'number') {
      this.peak.bytesInGPU = Math.max(this.peak.bytesInGPU ?? 0, m.numBytesInGPU);
    }
  }

  /** The peak so far (metering goes on). */
  read(): MemoryPeak {
    return { ...this.peak };
  }

  /** Stops metering and gives the peak. */
  stop(): MemoryPeak {
    if (this.saved) {
      const runner = engineRunner() as Partial<KernelRunner>;
      // Deleting the own property brings the class method back; a meter started before this
      // one gets its wrapper back.
      if (this.saved.own) Object.defineProperty(runner, 'runKernelFunc', this.saved.own);
      else delete runner.runKernelFunc;
      this.saved = undefined;
    }
    return this.read();
  }
}
