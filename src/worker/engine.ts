/**
 * The engine: owns the backend, the tokenizer, the frozen reference model and the policy,
 * and answers requests. It knows no DOM and no worker API, so it runs the same in a Web
 * Worker, in a test, or in Node.
 */
import * as tf from '@tensorflow/tfjs';
import { chooseBackend, type BackendInfo, type BackendName } from '../backend/select';
import type { ChatMessage, TextTokenizer } from '../io/tokenizer';
import { readSafetensors, writeSafetensors } from '../io/safetensors';
import { countParameters } from '../model/config';
import { generate } from '../model/generate';
import { GPT } from '../model/gpt';
import { fetchModelFiles, makeTokenizer, type ModelFiles } from '../model/load';
import { ScalarHead } from '../model/heads';
import { RewardModel } from '../rl/reward';
import type {
  Candidate,
  EngineResults,
  ModelSummary,
  ProgressReport,
  SamplingRequest,
} from './protocol';

/** Where checkpoints are kept (IndexedDB in the app; a Map in tests). */
export interface CheckpointStorage {
  loadWeights(checkpointId: string): Promise<ArrayBuffer | undefined>;
  /** Id of the newest reward-model checkpoint, if any. */
  latestRewardModel(): Promise<string | undefined>;
}

export const REFERENCE_ID = 'reference';

export class Engine {
  backend?: BackendInfo;
  tokenizer?: TextTokenizer;
  files?: ModelFiles;
  /** The frozen reference model: the loaded base weights, never trained. */
  reference?: GPT;
  /** The policy the chat samples from and PPO trains. */
  policy?: GPT;
  policyCheckpointId = REFERENCE_ID;
  modelName = '';
  /** The reward model trained last (or loaded from storage on first use). */
  rewardModel?: RewardModel;

  constructor(private readonly storage?: CheckpointStorage) {}

  async setBackend(name: BackendName | 'auto'): Promise<BackendInfo> {
    // Weights live on the old backend: read them back before switching, restore after.
    const saved = this.policy ? await this.policy.toTensors() : undefined;
    const savedRef = this.reference ? await this.reference.toTensors() : undefined;
    this.backend = await chooseBackend(name);
    if (saved && savedRef && this.files) {
      this.reference?.dispose();
      this.policy?.dispose();
      this.reference = GPT.fromTensors(this.files.config, savedRef);
      this.policy = GPT.fromTensors(this.files.config, saved);
    }
    return this.backend;
  }

  async load(
    modelUrl: string,
    backend: BackendName | 'auto',
    onProgress: (r: ProgressReport) => void,
  ): Promise<EngineResults['load']> {
    const t0 = performance.now();
    const report = (fraction: number, message: string) =>
      onProgress({
        task: 'load',
        step: 0,
        totalSteps: 0,
        fraction,
        elapsedMs: performance.now() - t0,
        message,
      });
    report(0, 'Starting the backend…');
    if (!this.backend || backend !== 'auto') this.backend = await chooseBackend(backend);
    report(0.02, `Fetching the model from ${modelUrl}…`);
    const files = await fetchModelFiles(modelUrl, (loaded, total, file) =>
      report(
        0.02 + 0.88 * (loaded / total),
        `Downloading ${file}: ${(loaded / 1e6).toFixed(1)} of ${(total / 1e6).toFixed(1)} MB`,
      ),
    );
    report(0.92, 'Building the model…');
    this.tokenizer = makeTokenizer(files);
    const { tensors } = readSafetensors(files.weights);
    this.reference?.dispose();
    this.policy?.dispose();
    this.reference = GPT.fromTensors(files.config, tensors);
    this.policy = this.reference.clone();
    this.files = files;
    this.policyCheckpointId = REFERENCE_ID;
    this.modelName = modelUrl.replace(/\/$/, '').split('/').pop() ?? 'model';
    report(0.96, 'Warming up (first shader compiles can take a few seconds)…');
    await this.warmUp();
    report(1, 'Ready');
    return { backend: this.backend, model: this.summary() };
  }

  summary(): ModelSummary {
    const config = this.need().files.config;
    return {
      name: this.modelName,
      config,
      parameters: countParameters(config),
      checkpointId: this.policyCheckpointId,
    };
  }

  private need() {
    if (!this.policy || !this.reference || !this.tokenizer || !this.files) {
      throw new Error('no model is loaded yet');
    }
    return {
      policy: this.policy,
      reference: this.reference,
      tokenizer: this.tokenizer,
      files: this.files,
    };
  }

  /** One tiny generation so that kernels compile before the user's first prompt. */
  private async warmUp() {
    const { policy, tokenizer } = this.need();
    await generate(policy, [[tokenizer.eosId]], {
      maxNewTokens: 2,
      temperature: 1,
      topK: 0,
      topP: 1,
      seed: 0,
    });
  }

  /** Encodes a conversation with the model's chat template. */
  encodeChat(messages: ChatMessage[], addGenerationPrompt = true): number[] {
    return this.need().tokenizer.applyChatTemplate(messages, addGenerationPrompt);
  }

  /** n replies to one conversation, streamed as text through onTokens. */
  async generate(
    messages: ChatMessage[],
    n: number,
    sampling: SamplingRequest,
    onTokens: (texts: string[], done: boolean[]) => void,
    shouldStop: () => boolean = () => false,
    checkpointId?: string,
  ): Promise<EngineResults['generate']> {
    const { tokenizer } = this.need();
    // Another checkpoint samples from its own copy; the chat's policy stays as it is.
    const other = checkpointId !== undefined && checkpointId !== this.policyCheckpointId;
    const model = other
      ? checkpointId === REFERENCE_ID
        ? this.reference!
        : await this.loadModel(checkpointId)
      : this.need().policy;
    const t0 = performance.now();
    let prompt = this.encodeChat(messages);
    // Keep the latest turns when a long conversation would leave no room to reply.
    const room = this.need().files.config.n_positions - sampling.maxNewTokens;
    if (prompt.length > room) prompt = prompt.slice(prompt.length - Math.max(1, room));
    const eos = tokenizer.eosId;
    const g = await generate(model, new Array(n).fill(prompt), {
      ...sampling,
      shouldStop,
      onStep: (tokens) =>
        onTokens(
          tokens.map((t) => tokenizer.decodeStreaming(t)),
          tokens.map((t) => t.at(-1) === eos),
        ),
    }).finally(() => {
      if (other && model !== this.reference) model.dispose();
    });
    const candidates: Candidate[] = g.tokens.map((t, i) => ({
      text: tokenizer.decode(t).trim(),
      tokenIds: t,
      logprobs: g.logprobs[i],
      finished: g.finished[i],
    }));
    return {
      candidates,
      checkpointId: checkpointId ?? this.policyCheckpointId,
      elapsedMs: performance.now() - t0,
    };
  }

  /** A stored checkpoint's trunk as a model of its own (caller disposes). */
  private async loadModel(checkpointId: string): Promise<GPT> {
    const bytes = await this.storage?.loadWeights(checkpointId);
    if (!bytes) throw new Error(`checkpoint ${checkpointId} is not in this browser's storage`);
    return GPT.fromTensors(
      this.need().files.config,
      readSafetensors(bytes, `checkpoint ${checkpointId}`).tensors,
    );
  }

  setRewardModel(model: RewardModel) {
    this.rewardModel?.dispose();
    this.rewardModel = model;
  }

  /** The reward model in memory, else the newest one stored; throws when there is none. */
  async loadRewardModel(): Promise<RewardModel> {
    if (this.rewardModel) return this.rewardModel;
    const id = await this.storage?.latestRewardModel();
    const bytes = id ? await this.storage?.loadWeights(id) : undefined;
    if (!id || !bytes) throw new Error('there is no reward model yet: train one first (step 1)');
    const file = readSafetensors(bytes, `checkpoint ${id}`);
    const model = new RewardModel(
      GPT.fromTensors(this.need().files.config, file.tensors),
      ScalarHead.fromTensors('score', file.tensors),
    );
    model.gain = Number(file.metadata.gain ?? 1);
    model.bias = Number(file.metadata.bias ?? 0);
    this.rewardModel = model;
    return model;
  }

  /** Calibrated reward-model scores of replies to one conversation. */
  async score(messages: ChatMessage[], responses: string[]): Promise<number[]> {
    const { tokenizer } = this.need();
    const rm = await this.loadRewardModel();
    const half = Math.floor(this.need().files.config.n_positions / 2);
    const prompt = this.encodeChat(messages).slice(-half);
    const ids = responses.map((r) => [...tokenizer.encode(r), tokenizer.eosId].slice(0, half));
    return rm.score(
      ids.map(() => prompt),
      ids,
    );
  }

  /** Loads a stored checkpoint (or the reference weights) into the policy. */
  async useCheckpoint(checkpointId: string): Promise<ModelSummary> {
    const { policy, reference } = this.need();
    if (checkpointId === REFERENCE_ID) {
      policy.assign(reference);
    } else {
      const loaded = await this.loadModel(checkpointId);
      policy.assign(loaded);
      loaded.dispose();
    }
    this.policyCheckpointId = checkpointId;
    return this.summary();
  }

  /** The policy's weights as safetensors bytes, for a checkpoint. */
  async policyWeights(
    extra?: Map<string, { shape: number[]; data: Float32Array }>,
  ): Promise<Uint8Array> {
    const tensors = await this.need().policy.toTensors();
    for (const [k, v] of extra ?? []) tensors.set(k, v);
    return writeSafetensors(tensors, { format: 'pt' });
  }

  memory() {
    return tf.memory();
  }
}
