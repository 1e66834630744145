/**
 * <tp-train-simulator>: the simulated rater. Pick a rule and a number of prompts; the engine
 * samples two responses to each made-up practice prompt and the rule picks one. Everything it
 * stores is marked synthetic, so it can be told apart from a person's judgements (and left out
 * of exports).
 *
 * @fires tp-simulation-state - the simulation started or ended; detail {running}.
 */
import { LitElement, html } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { emit, services } from './services';
import {
  RULES,
  SIMULATION_SAMPLING,
  describePreference,
  preferenceOf,
  simulateFeedback,
  type RuleKind,
} from './train-simulation';
import { viewStyles } from './view-styles';

@customElement('tp-train-simulator')
export class TpTrainSimulator extends LitElement {
  static override styles = viewStyles;

  /** True while a training run uses the engine; simulating then waits. */
  @property({ type: Boolean }) busy = false;

  @state() private rule: RuleKind = 'prefers-polite';
  @state() private word = '';
  @state() private count = 20;
  @state() private running = false;
  @state() private status = '';
  @state() private error = '';
  private stopRequested = false;

  override render() {
    return html`<section class="card" aria-labelledby="sim-h">
      <h2 id="sim-h">Simulated rater</h2>
      <p class="muted">
        A rule stands in for a person: it compares two sampled responses to each practice prompt and
        stores a pairwise choice (a tie when the rule cannot tell them apart). Its judgments are
        marked <span class="badge synthetic">synthetic</span>.
      </p>
      <div class="row">
        <label class="field"
          >Rule
          <select data-testid="simulate-rule" .value=${this.rule} @change=${this.handleRule}>
            ${RULES.map((r) => html`<option value=${r.kind} ?selected=${r.kind === this.rule}>${r.label}</option>`)}
          </select></label
        >
        ${
          this.rule === 'mentions-word'
            ? html`<label class="field"
                >Word
                <input
                  data-testid="simulate-word"
                  .value=${this.word}
                  @input=${this.handleWord}
                  placeholder="e.g. water"
              /></label>`
            : null
        }
        <label class="field"
          >Prompts
          <input
            type="number"
            min="1"
            max="1000"
            data-testid="simulate-count"
            .value=${String(this.count)}
            @change=${this.handleCount}
        /></label>
        ${
          this.running
            ? html`<button class="secondary" data-testid="simulate-stop" @click=${this.handleStop}>
                Stop
              </button>`
            : html`<button
                data-testid="simulate"
                ?disabled=${this.busy}
                title=${this.busy ? 'Wait for the training run to end' : ''}
                @click=${this.handleSimulate}
              >
                Simulate
              </button>`
        }
      </div>
      <p aria-live="polite" data-testid="simulate-status" class=${this.error ? 'error' : ''}>
        ${this.error || this.status}
      </p>
    </section>`;
  }

  private handleRule(e: Event) {
    this.rule = (e.target as HTMLSelectElement).value as RuleKind;
  }

  private handleWord(e: Event) {
    this.word = (e.target as HTMLInputElement).value;
  }

  private handleCount(e: Event) {
    this.count = Number((e.target as HTMLInputElement).value);
  }

  private handleStop() {
    this.stopRequested = true;
    this.status = 'Stopping after the current prompt…';
  }

  private async handleSimulate() {
    this.error = '';
    let preference;
    try {
      if (!Number.isInteger(this.count) || this.count < 1 || this.count > 1000) {
        throw new Error('Prompts must be a whole number from 1 to 1000.');
      }
      preference = preferenceOf(this.rule, this.word);
    } catch (err) {
      this.error = (err as Error).message;
      return;
    }
    // A fresh seed per click, shown, so that a run can be told apart and repeated.
    const seed = Math.floor(Math.random() * 1e6);
    const rule = describePreference(preference);
    this.stopRequested = false;
    this.setRunning(true);
    this.status = `Sampling responses for ${this.count} prompts (rule ${rule}, seed ${seed})…`;
    try {
      const result = await simulateFeedback(
        services(),
        { preference, count: this.count, seed, sampling: SIMULATION_SAMPLING },
        (p) => {
          this.status = `Judged ${p.done} of ${p.count} prompts: ${p.decided} with a winner, ${p.done - p.decided} ties.`;
          emit('tp-data-changed', { reason: 'simulated rater' });
        },
        () => this.stopRequested,
      );
      const stopped = result.done < result.count ? ' (stopped)' : '';
      this.status =
        `Done${stopped}: ${result.done} prompts judged by rule ${rule} (seed ${seed}), ` +
        `${result.decided} preference pairs, ${result.done - result.decided} ties.`;
    } catch (err) {
      this.error = `The simulated rater failed: ${(err as Error).message}`;
    } finally {
      this.setRunning(false);
    }
  }

  private setRunning(running: boolean) {
    this.running = running;
    this.dispatchEvent(
      new CustomEvent('tp-simulation-state', {
        detail: { running },
        bubbles: true,
        composed: true,
      }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-train-simulator': TpTrainSimulator;
  }
  interface HTMLElementEventMap {
    'tp-simulation-state': CustomEvent<{ running: boolean }>;
  }
}
