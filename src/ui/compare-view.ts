/**
 * <tp-compare-view>: the reference model and a trained checkpoint side by side, on fixed
 * evaluation prompts that training never sees. Both sample with the same settings and the same
 * seed per prompt, so the difference in a row comes from the weights, not from chance. When a
 * reward model exists, each response shows its calibrated reward (0 is the reference model's
 * average) and a summary gives the mean of each column.
 *
 * The engine samples from a checkpoint by loading it into the policy, so this view samples all
 * reference responses first, then all checkpoint responses (two loads, not sixteen), and then
 * puts back the checkpoint the chat was using. It waits while a training run uses the policy.
 *
 * Listens on window for `tp-checkpoints-changed`, `tp-model-changed` and `tp-run-state`;
 * emits `tp-model-changed` after putting the chat's checkpoint back.
 */
import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { REFERENCE_CHECKPOINT } from '../feedback/types';
import type { ChatMessage } from '../io/tokenizer';
import { EVAL_PROMPTS } from '../rl/eval-prompts';
import { listCheckpoints } from '../store/checkpoints';
import type { CheckpointMeta } from '../store/schema';
import type { SamplingRequest } from '../worker/protocol';
import { emit, services } from './services';
import { isTrainingActive, type RunStateEvent } from './train-view';
import { viewStyles } from './view-styles';

/**
 * The checkpoint the chat samples from, as last announced. Tracked from the moment this module
 * loads (the app imports it at boot), because the view itself mounts only when its tab opens.
 * The engine starts on the reference model.
 */
let chatCheckpoint = REFERENCE_CHECKPOINT;
window.addEventListener('tp-model-changed', (e) => {
  const id = e.detail.model?.checkpointId;
  if (id) chatCheckpoint = id;
});

/** One evaluation prompt and what each model said. */
export interface CompareRow {
  prompt: string;
  reference: string;
  checkpoint: string;
  referenceScore?: number;
  checkpointScore?: number;
}

export type CompareSampling = 'greedy' | 'sample';

/** Seed of every comparison: fixed, so a rerun gives the same responses. */
export const COMPARE_SEED = 7;
const MAX_NEW_TOKENS = 64;

/** The sampling of the comparison: greedy, or temperature 0.7 with a per-prompt seed. */
export function compareSampling(mode: CompareSampling, promptIndex: number): SamplingRequest {
  const seed = COMPARE_SEED + promptIndex;
  return mode === 'greedy'
    ? { greedy: true, temperature: 1, topK: 0, topP: 1, maxNewTokens: MAX_NEW_TOKENS, seed }
    : { temperature: 0.7, topK: 0, topP: 1, maxNewTokens: MAX_NEW_TOKENS, seed };
}

/** Mean reward of each column, or undefined while any row is unscored. */
export function meanScores(
  rows: readonly CompareRow[],
): { reference: number; checkpoint: number } | undefined {
  if (rows.length === 0) return undefined;
  let reference = 0;
  let checkpoint = 0;
  for (const r of rows) {
    if (r.referenceScore === undefined || r.checkpointScore === undefined) return undefined;
    reference += r.referenceScore;
    checkpoint += r.checkpointScore;
  }
  return { reference: reference / rows.length, checkpoint: checkpoint / rows.length };
}

@customElement('tp-compare-view')
export class TpCompareView extends LitElement {
  static override styles = [
    viewStyles,
    css`
      td.response {
        width: 38%;
      }
      .score {
        font-variant-numeric: tabular-nums;
        font-size: 12px;
      }
    `,
  ];

  @state() private checkpoints: CheckpointMeta[] = [];
  @state() private rewardModelId?: string;
  @state() private selected = '';
  @state() private mode: CompareSampling = 'sample';
  @state() private rows: CompareRow[] = EVAL_PROMPTS.map(emptyRow);
  @state() private running = false;
  @state() private training = false;
  @state() private status = '';
  @state() private error = '';

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('tp-checkpoints-changed', this.handleCheckpointsChanged);
    window.addEventListener('tp-run-state', this.handleRunState);
    this.training = isTrainingActive();
    void this.refresh();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('tp-checkpoints-changed', this.handleCheckpointsChanged);
    window.removeEventListener('tp-run-state', this.handleRunState);
  }

  /** Re-reads the policy checkpoints and the newest reward model. */
  async refresh(): Promise<void> {
    try {
      const store = services().store;
      const [policies, rewardModels] = await Promise.all([
        listCheckpoints(store, { kind: 'policy' }),
        listCheckpoints(store, { kind: 'reward-model' }),
      ]);
      this.checkpoints = policies;
      this.rewardModelId = rewardModels[0]?.id;
      if (!policies.some((c) => c.id === this.selected)) this.selected = policies[0]?.id ?? '';
    } catch (err) {
      this.error = `Could not read the checkpoints: ${(err as Error).message}`;
    }
  }

  override render() {
    const means = meanScores(this.rows);
    return html`<section class="card" aria-labelledby="compare-h">
      <h2 id="compare-h">Reference model vs checkpoint</h2>
      <div class="row">
        <label class="field"
          >Checkpoint
          <select
            data-testid="compare-checkpoint"
            .value=${this.selected}
            ?disabled=${this.running}
            @change=${this.handlePick}
          >
            ${
              this.checkpoints.length === 0
                ? html`<option value="">No policy checkpoints yet — run PPO first</option>`
                : this.checkpoints.map(
                    (c) =>
                      html`<option value=${c.id} ?selected=${c.id === this.selected}>
                        ${c.name} · ${new Date(c.createdAt).toLocaleString()}
                      </option>`,
                  )
            }
          </select></label
        >
        <label class="field"
          >Sampling
          <select .value=${this.mode} ?disabled=${this.running} @change=${this.handleMode}>
            <option value="sample">temperature 0.7, seed ${COMPARE_SEED} + prompt number</option>
            <option value="greedy">greedy (most likely token)</option>
          </select></label
        >
        <button
          data-testid="compare-run"
          ?disabled=${this.running || this.training || this.selected === ''}
          @click=${this.handleCompare}
        >
          Compare
        </button>
      </div>
      <p aria-live="polite" data-testid="compare-status" class=${this.error ? 'error' : 'muted'}>
        ${
          this.error ||
          (this.training ? 'Waiting: a training run is using the policy.' : this.status)
        }
      </p>
      ${
        means
          ? html`<p data-testid="compare-summary">
              Mean reward (newest reward model): reference model
              <strong>${means.reference.toFixed(3)}</strong>, checkpoint
              <strong>${means.checkpoint.toFixed(3)}</strong>
              (${means.checkpoint >= means.reference ? '+' : ''}${(
                means.checkpoint - means.reference
              ).toFixed(3)}).
            </p>`
          : this.rewardModelId === undefined
            ? html`<p class="muted">Train a reward model to see a reward for each response.</p>`
            : null
      }
      <table data-testid="compare">
        <thead>
          <tr>
            <th scope="col">Prompt</th>
            <th scope="col">Reference model</th>
            <th scope="col">Checkpoint</th>
          </tr>
        </thead>
        <tbody>
          ${this.rows.map(
            (r) =>
              html`<tr>
                <th scope="row">${r.prompt}</th>
                <td class="response" data-testid="compare-reference">
                  <span class="pre">${r.reference}</span>${scoreOf(r.referenceScore)}
                </td>
                <td class="response" data-testid="compare-checkpoint-response">
                  <span class="pre">${r.checkpoint}</span>${scoreOf(r.checkpointScore)}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </section>`;
  }

  private handlePick(e: Event) {
    this.selected = (e.target as HTMLSelectElement).value;
  }

  private handleMode(e: Event) {
    this.mode = (e.target as HTMLSelectElement).value as CompareSampling;
  }

  private async handleCompare() {
    const checkpointId = this.selected;
    if (!checkpointId || this.running) return;
    const engine = services().engine;
    this.running = true;
    this.error = '';
    this.rows = EVAL_PROMPTS.map(emptyRow);
    try {
      for (const [side, id] of [
        ['reference', REFERENCE_CHECKPOINT],
        ['checkpoint', checkpointId],
      ] as const) {
        for (const [i, prompt] of EVAL_PROMPTS.entries()) {
          this.status = `Sampling the ${side === 'reference' ? 'reference model' : 'checkpoint'}: prompt ${i + 1} of ${EVAL_PROMPTS.length}…`;
          const messages: ChatMessage[] = [{ role: 'user', content: prompt }];
          const { done } = engine.generate(
            messages,
            1,
            compareSampling(this.mode, i),
            (texts) => this.setCell(i, side, texts[0] ?? ''),
            id,
          );
          const { candidates } = await done;
          this.setCell(i, side, candidates[0]?.text ?? '');
        }
      }
      await this.score();
      this.status = `Compared ${EVAL_PROMPTS.length} prompts.`;
    } catch (err) {
      this.error = `The comparison failed: ${(err as Error).message}`;
    } finally {
      await this.restoreChatCheckpoint();
      this.running = false;
    }
  }

  private setCell(i: number, side: 'reference' | 'checkpoint', text: string) {
    this.rows = this.rows.map((r, k) => (k === i ? { ...r, [side]: text } : r));
  }

  private async score() {
    if (this.rewardModelId === undefined) return;
    this.status = 'Scoring with the reward model…';
    const scored: CompareRow[] = [];
    for (const r of this.rows) {
      const messages: ChatMessage[] = [{ role: 'user', content: r.prompt }];
      const [referenceScore, checkpointScore] = await services().engine.score(messages, [
        r.reference,
        r.checkpoint,
      ]);
      scored.push({ ...r, referenceScore, checkpointScore });
    }
    this.rows = scored;
  }

  /** Sampling loaded other weights into the policy; the chat gets its own checkpoint back. */
  private async restoreChatCheckpoint() {
    try {
      const model = await services().engine.useCheckpoint(chatCheckpoint);
      emit('tp-model-changed', { model });
    } catch (err) {
      this.error = `Could not put back the chat's checkpoint: ${(err as Error).message}`;
    }
  }

  private handleCheckpointsChanged = () => {
    void this.refresh();
  };

  private handleRunState = (e: RunStateEvent) => {
    this.training = e.detail.active;
  };
}

function emptyRow(prompt: string): CompareRow {
  return { prompt, reference: '', checkpoint: '' };
}

function scoreOf(v: number | undefined) {
  return v === undefined ? null : html`<div class="score">reward ${v.toFixed(3)}</div>`;
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-compare-view': TpCompareView;
  }
}
