/**
 * <tp-checkpoint-switcher>: which weights the chat samples from: the reference model (the
 * base weights as loaded) or a stored policy checkpoint. Switching loads the checkpoint
 * into the engine's policy and announces 'tp-model-changed'; the list refreshes on
 * 'tp-checkpoints-changed'. Disabled while a training run ('tp-run-state') uses the policy:
 * loading other weights into it would overwrite what the run is training.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { REFERENCE_CHECKPOINT } from '../feedback/types';
import { listCheckpoints } from '../store/checkpoints';
import type { CheckpointMeta } from '../store/schema';
import { emit, services } from './services';
import { base } from './styles';
import { isTrainingActive, type RunStateEvent } from './train-view';

@customElement('tp-checkpoint-switcher')
export class CheckpointSwitcher extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: inline-flex;
        align-items: center;
        gap: 6px;
        font-size: 13px;
      }
      select {
        max-width: 34ch;
      }
    `,
  ];

  /** No switching now (no model yet, or a generation is running). */
  @property({ type: Boolean }) disabled = false;

  @state() private checkpoints: CheckpointMeta[] = [];
  @state() private active = REFERENCE_CHECKPOINT;
  @state() private busy = false;
  @state() private training = isTrainingActive();
  @state() private error = '';

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('tp-checkpoints-changed', this.handleCheckpointsChanged);
    window.addEventListener('tp-model-changed', this.handleModelChanged);
    window.addEventListener('tp-run-state', this.handleRunState);
    this.training = isTrainingActive();
    void this.refresh();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('tp-checkpoints-changed', this.handleCheckpointsChanged);
    window.removeEventListener('tp-model-changed', this.handleModelChanged);
    window.removeEventListener('tp-run-state', this.handleRunState);
  }

  private handleCheckpointsChanged = () => void this.refresh();

  private handleRunState = (e: RunStateEvent) => {
    this.training = e.detail.active;
  };

  private handleModelChanged = (e: CustomEvent<{ model?: { checkpointId: string } }>) => {
    if (e.detail.model) this.active = e.detail.model.checkpointId;
  };

  private async refresh() {
    try {
      this.checkpoints = await listCheckpoints(services().store, { kind: 'policy' });
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }

  private async handleChange(e: Event) {
    const select = e.target as HTMLSelectElement;
    const id = select.value;
    const previous = this.active;
    this.busy = true;
    this.error = '';
    try {
      const model = await services().engine.useCheckpoint(id);
      this.active = model.checkpointId;
      emit('tp-model-changed', { model });
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.active = previous;
      select.value = previous;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const known =
      this.active === REFERENCE_CHECKPOINT || this.checkpoints.some((c) => c.id === this.active);
    return html`
      <label for="ckpt" class="muted">Model</label>
      <select
        id="ckpt"
        data-testid="checkpoint"
        .value=${this.active}
        title=${this.training ? 'A training run is using the policy' : ''}
        ?disabled=${this.disabled || this.busy || this.training}
        @change=${this.handleChange}
      >
        <option value=${REFERENCE_CHECKPOINT} ?selected=${this.active === REFERENCE_CHECKPOINT}>
          Reference (base model)
        </option>
        ${this.checkpoints.map(
          (c) =>
            html`<option value=${c.id} ?selected=${this.active === c.id}>
              ${c.name} · ${new Date(c.createdAt).toLocaleString()}
            </option>`,
        )}
        ${known ? nothing : html`<option value=${this.active} selected>${this.active}</option>`}
      </select>
      ${this.busy ? html`<span class="small muted" aria-live="polite">loading…</span>` : nothing}
      ${this.error ? html`<span class="small error" role="alert">${this.error}</span>` : nothing}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-checkpoint-switcher': CheckpointSwitcher;
  }
}
