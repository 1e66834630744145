/**
 * <tp-train-run-bar>: the current run's status line ("PPO running — step 3/20", "paused",
 * "done", "failed: …"), a progress bar, pause/resume/stop, and the run's notices (skipped
 * steps, warnings). It only renders and asks; the owner talks to the engine.
 *
 * @fires tp-run-control - pause, resume or stop was pressed; detail {action}.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RunKind } from '../store/schema';
import { viewStyles } from './view-styles';

/** Where a run is; 'done', 'stopped' and 'failed' are final, as in the store. */
export type RunPhase = 'starting' | 'running' | 'paused' | 'done' | 'stopped' | 'failed';

/** The run as the page sees it, from the progress reports and the final result. */
export interface LiveRun {
  kind: RunKind;
  phase: RunPhase;
  step: number;
  totalSteps: number;
  message: string;
  runId?: string;
}

export type RunAction = 'pause' | 'resume' | 'stop';

/** Whether a run in this phase still holds the engine. */
export function isActive(run: LiveRun | undefined): boolean {
  return run?.phase === 'starting' || run?.phase === 'running' || run?.phase === 'paused';
}

/** The run-status line: "PPO running — step 3/20", "paused — …", "done — …", "failed: …". */
export function statusText(run: LiveRun | undefined): string {
  if (!run) return 'No run yet.';
  const name = run.kind === 'ppo' ? 'PPO' : 'Reward model';
  const steps = run.totalSteps > 0 ? `step ${run.step}/${run.totalSteps}` : `step ${run.step}`;
  switch (run.phase) {
    case 'starting':
      return `${name} starting…`;
    case 'running':
      return `${name} running — ${steps}${run.message ? ` · ${run.message}` : ''}`;
    case 'paused':
      return `paused — ${name}, ${steps}`;
    case 'done':
      return `done — ${name}, ${steps}`;
    case 'stopped':
      return `stopped — ${name}, ${steps}`;
    case 'failed':
      return `failed: ${run.message}`;
  }
}

@customElement('tp-train-run-bar')
export class TpTrainRunBar extends LitElement {
  static override styles = [
    viewStyles,
    css`
      .status {
        font-weight: 600;
      }
      .notices {
        margin: 4px 0 0;
        padding-left: 1.2em;
        max-height: 8em;
        overflow: auto;
      }
    `,
  ];

  /** The current or last run; undefined before the first. */
  @property({ attribute: false }) run?: LiveRun;

  /** Notices of the current run, oldest first. */
  @property({ attribute: false }) notices: string[] = [];

  /** An error to show (a bad config, a failed control). */
  @property() error = '';

  override render() {
    const run = this.run;
    const active = isActive(run);
    const fraction = run && run.totalSteps > 0 ? run.step / run.totalSteps : 0;
    return html`<section class="card" aria-label="current run">
      <div class="row">
        <span class="status" role="status" aria-live="polite" data-testid="run-status"
          >${statusText(run)}</span
        >
        <button
          class="secondary"
          data-testid="run-pause"
          ?disabled=${run?.phase !== 'running'}
          @click=${() => this.handleControl('pause')}
        >
          Pause
        </button>
        <button
          class="secondary"
          data-testid="run-resume"
          ?disabled=${run?.phase !== 'paused'}
          @click=${() => this.handleControl('resume')}
        >
          Resume
        </button>
        <button
          class="danger"
          data-testid="run-stop"
          ?disabled=${!active}
          @click=${() => this.handleControl('stop')}
        >
          Stop
        </button>
      </div>
      ${
        active
          ? html`<progress aria-label="run progress" max="1" .value=${fraction}></progress>`
          : null
      }
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
      ${
        this.notices.length > 0
          ? html`<ul class="notices notice" aria-label="notices" data-testid="run-notices">
              ${this.notices.map((n) => html`<li>${n}</li>`)}
            </ul>`
          : null
      }
    </section>`;
  }

  private handleControl(action: RunAction) {
    this.dispatchEvent(
      new CustomEvent('tp-run-control', { detail: { action }, bubbles: true, composed: true }),
    );
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-train-run-bar': TpTrainRunBar;
  }
  interface HTMLElementEventMap {
    'tp-run-control': CustomEvent<{ action: RunAction }>;
  }
}
