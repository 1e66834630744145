/**
 * <tp-train-runs>: past runs, newest first, with their status and final metrics. A paused PPO
 * run can be resumed, and so can one left "running" when its tab closed or reloaded (shown as
 * interrupted: no worker trains it any more); any run's metrics can be shown in the charts.
 *
 * @fires tp-run-resume - resume a paused or interrupted PPO run; detail {run}.
 * @fires tp-run-show - show a run's logged metrics in the charts; detail {run}.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { RunRecord } from '../store/schema';
import { formatMetric } from './metric-chart';
import { viewStyles } from './view-styles';

/** The metrics a run's summary shows, by kind (the first few that were logged). */
const SUMMARY_KEYS: Readonly<Record<RunRecord['kind'], string[]>> = Object.freeze({
  reward: ['loss/reward', 'reward/accuracy', 'eval/accuracy', 'eval/loss'],
  ppo: ['objective/scores', 'objective/kl', 'loss/policy_avg', 'objective/entropy'],
});

/** The latest logged value of each summary key (a key may be logged only on some steps). */
export function finalMetrics(run: RunRecord): [string, number][] {
  const out: [string, number][] = [];
  for (const key of SUMMARY_KEYS[run.kind]) {
    for (let i = run.metrics.length - 1; i >= 0; i--) {
      const v = run.metrics[i].values[key];
      if (Number.isFinite(v)) {
        out.push([key, v]);
        break;
      }
    }
  }
  return out;
}

/**
 * The status to show: a run stored as running while this tab trains none was cut off by a
 * reload or a closed tab. (While this tab trains, a stored "running" is taken at its word.)
 */
export function displayStatus(run: RunRecord, trainingHere: boolean): string {
  return run.status === 'running' && !trainingHere ? 'interrupted' : run.status;
}

export interface RunEventDetail {
  run: RunRecord;
}

@customElement('tp-train-runs')
export class TpTrainRuns extends LitElement {
  static override styles = [
    viewStyles,
    css`
      td.metrics {
        font-variant-numeric: tabular-nums;
        font-size: 12px;
      }
    `,
  ];

  /** Runs to list, newest first (from the store's listRuns). */
  @property({ attribute: false }) runs: RunRecord[] = [];

  /** True while a run is going: resuming another one is then not offered. */
  @property({ type: Boolean }) busy = false;

  override render() {
    if (this.runs.length === 0) return html`<p class="muted">No runs yet.</p>`;
    return html`<table data-testid="run-list">
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Started</th>
          <th scope="col">Status</th>
          <th scope="col">Steps</th>
          <th scope="col">Final metrics</th>
          <th scope="col"><span class="visually-hidden">Actions</span></th>
        </tr>
      </thead>
      <tbody>
        ${this.runs.map((run) => this.renderRun(run))}
      </tbody>
    </table>`;
  }

  private renderRun(run: RunRecord) {
    const last = run.metrics.at(-1);
    const status = displayStatus(run, this.busy);
    const resumable = run.kind === 'ppo' && (status === 'paused' || status === 'interrupted');
    return html`<tr data-run-id=${run.id}>
      <td>${run.kind === 'ppo' ? 'PPO' : 'Reward model'}</td>
      <td>${new Date(run.createdAt).toLocaleString()}</td>
      <td
        title=${status === 'interrupted' ? 'The tab closed or reloaded while this run trained' : ''}
      >
        ${status}
        ${
          status === 'interrupted'
            ? html`<div class="muted">
                ${
                  run.lastCheckpointId
                    ? 'resumes from its last checkpoint'
                    : 'no checkpoint yet: resuming starts it again'
                }
              </div>`
            : null
        }
      </td>
      <td>${last?.step ?? 0}</td>
      <td class="metrics">
        ${finalMetrics(run).map(([k, v]) => html`<div>${k} ${formatMetric(v)}</div>`)}
      </td>
      <td>
        <div class="row">
          ${
            run.metrics.length > 0
              ? html`<button class="secondary" @click=${() => this.handleShow(run)}>
                  Show charts
                </button>`
              : null
          }
          ${
            resumable
              ? html`<button ?disabled=${this.busy} @click=${() => this.handleResume(run)}>
                  Resume
                </button>`
              : null
          }
        </div>
      </td>
    </tr>`;
  }

  private handleShow(run: RunRecord) {
    this.fire('tp-run-show', run);
  }

  private handleResume(run: RunRecord) {
    this.fire('tp-run-resume', run);
  }

  private fire(type: keyof TrainRunsEventMap, run: RunRecord) {
    this.dispatchEvent(
      new CustomEvent<RunEventDetail>(type, { detail: { run }, bubbles: true, composed: true }),
    );
  }
}

export interface TrainRunsEventMap {
  'tp-run-resume': CustomEvent<RunEventDetail>;
  'tp-run-show': CustomEvent<RunEventDetail>;
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-train-runs': TpTrainRuns;
  }
  interface HTMLElementEventMap {
    'tp-run-resume': CustomEvent<RunEventDetail>;
    'tp-run-show': CustomEvent<RunEventDetail>;
  }
}
