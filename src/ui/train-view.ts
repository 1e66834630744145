/**
 * <tp-train-view>: the two training steps of RLHF and their live metrics.
 *
 * 1. Reward model — learns from the stored preference pairs (Bradley–Terry loss); charts of the
 *    loss and the accuracy on training and held-out pairs.
 * 2. PPO — tunes the policy against the reward model with a KL penalty to the reference model;
 *    charts of the reward, the KL, both losses, the clip fraction and the entropy.
 *
 * Training runs in the engine worker; this view sends a config (a few fields editable, the rest
 * the defaults of src/rl/config.ts), renders the progress reports, and offers pause, resume
 * and stop (<tp-train-run-bar>). Below: past runs (<tp-train-runs>) and the simulated rater
 * (<tp-train-simulator>).
 *
 * Listens on window for `tp-data-changed` (pair counts) and `tp-checkpoints-changed`;
 * emits `tp-checkpoints-changed` when a run wrote a checkpoint, and `tp-run-state` on window
 * when a run starts or ends.
 */
import { counted } from './format';
import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { deriveTrainingData, type DerivationCounts } from '../feedback/derive';
import {
  DEFAULT_PPO_CONFIG,
  RLConfigError,
  DEFAULT_REWARD_CONFIG,
  validatePPOConfig,
  validateRewardConfig,
} from '../rl/config';
import type { KLKind } from '../rl/math';
import { listCheckpoints } from '../store/checkpoints';
import { loadFeedbackData } from '../store/feedback';
import { listRuns } from '../store/runs';
import type { RunKind, RunRecord } from '../store/schema';
import type { ProgressReport } from '../worker/protocol';
import './metric-chart';
import type { MetricPoint } from './metric-chart';
import { emit, services } from './services';
import './train-run-bar';
import { isActive, type LiveRun, type RunAction } from './train-run-bar';
import './train-runs';
import type { RunEventDetail } from './train-runs';
import './train-simulator';
import { viewStyles } from './view-styles';

/** How many notices (skipped steps, warnings) stay on screen. */
const MAX_NOTICES = 20;

/** A change notice waits this long for more before the store is read again, ms. */
const REFRESH_DELAY_MS = 200;

/** Horizon of the adaptive KL controller, in rollouts (TRL's default). */
const KL_HORIZON = 10_000;

const CHARTS: Readonly<Record<RunKind, { heading: string; keys: string[] }[]>> = {
  reward: [
    { heading: 'Loss', keys: ['loss/reward', 'eval/loss'] },
    { heading: 'Accuracy (train, held-out)', keys: ['reward/accuracy', 'eval/accuracy'] },
  ],
  ppo: [
    { heading: 'Reward (objective/scores)', keys: ['objective/scores', 'objective/rlhf_reward'] },
    { heading: 'KL to the reference model', keys: ['objective/kl'] },
    { heading: 'Policy loss', keys: ['loss/policy_avg', 'loss/policy'] },
    { heading: 'Value loss', keys: ['loss/value_avg', 'loss/value'] },
    { heading: 'Clip fraction', keys: ['policy/clipfrac_avg'] },
    { heading: 'Entropy', keys: ['objective/entropy', 'policy/entropy_avg'] },
  ],
};

let trainingActive = false;

/** Whether a run is training now: for views mounted after its `tp-run-state` event. */
export function isTrainingActive(): boolean {
  return trainingActive;
}

@customElement('tp-train-view')
export class TpTrainView extends LitElement {
  static override styles = [
    viewStyles,
    css`
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 14px;
        align-items: flex-end;
        /* Room between the settings and the charts' headings below them. */
        margin-bottom: 18px;
      }
    `,
  ];

  @state() private pairs?: DerivationCounts;
  @state() private hasRewardModel = false;
  @state() private runs: RunRecord[] = [];
  @state() private run?: LiveRun;
  @state() private notices: string[] = [];
  @state() private formError = '';
  @state() private simulating = false;
  /** Bumped when points are appended in place, so the charts redraw without a copy. */
  @state() private revision = 0;
  private points: Record<RunKind, MetricPoint[]> = { reward: [], ppo: [] };
  private refreshTimer?: ReturnType<typeof setTimeout>;
  private announcedActive = false;

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('tp-data-changed', this.handleStoreChanged);
    window.addEventListener('tp-checkpoints-changed', this.handleStoreChanged);
    void this.refresh();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('tp-data-changed', this.handleStoreChanged);
    window.removeEventListener('tp-checkpoints-changed', this.handleStoreChanged);
    clearTimeout(this.refreshTimer);
  }

  /** Re-reads the pair counts, whether a reward model exists, and the past runs. */
  async refresh(): Promise<void> {
    try {
      const store = services().store;
      const [data, rewardModels, runs] = await Promise.all([
        loadFeedbackData(store),
        listCheckpoints(store, { kind: 'reward-model' }),
        listRuns(store),
      ]);
      this.pairs = deriveTrainingData(data).counts;
      this.hasRewardModel = rewardModels.length > 0;
      this.runs = runs;
    } catch (err) {
      this.formError = `Could not read the store: ${(err as Error).message}`;
    }
  }

  protected override updated() {
    // Other views (compare) must not switch the policy's weights while a run trains them.
    if (this.active !== this.announcedActive) {
      this.announcedActive = this.active;
      trainingActive = this.active;
      window.dispatchEvent(
        new CustomEvent('tp-run-state', { detail: { active: this.active, kind: this.run?.kind } }),
      );
    }
  }

  private get active(): boolean {
    return isActive(this.run);
  }

  override render() {
    const busy = this.active || this.simulating;
    const pairs = this.pairs?.pairs;
    return html`<tp-train-run-bar
        .run=${this.run}
        .notices=${this.notices}
        .error=${this.formError}
        @tp-run-control=${this.handleControl}
      ></tp-train-run-bar>
      <section class="card" aria-labelledby="reward-h">
        <h2 id="reward-h">Step 1 · Reward model</h2>
        <p data-testid="pair-counts">
          ${pairs?.total ?? 0} preference pairs (${pairs?.ranking ?? 0} from rankings,
          ${pairs?.pairwise ?? 0} pairwise, ${pairs?.rating ?? 0} from thumbs);
          ${counted(this.pairs?.ties ?? 0, 'tie')} and
          ${counted(this.pairs?.bothBad ?? 0, 'both-bad choice')} give none.
        </p>
        <form @submit=${this.handleTrainReward} aria-label="reward model settings">
          ${numberField('Epochs', 'epochs', DEFAULT_REWARD_CONFIG.epochs, '1')}
          ${numberField('Learning rate', 'learningRate', DEFAULT_REWARD_CONFIG.learningRate)}
          <button type="submit" data-testid="train-reward" ?disabled=${busy}>
            Train reward model
          </button>
        </form>
        ${this.renderCharts('reward')}
      </section>
      <section class="card" aria-labelledby="ppo-h">
        <h2 id="ppo-h">Step 2 · PPO</h2>
        ${
          this.hasRewardModel
            ? null
            : html`<p class="notice">Train a reward model first: PPO maximises its score.</p>`
        }
        <form @submit=${this.handleTrainPPO} aria-label="PPO settings">
          ${numberField('Steps', 'totalSteps', DEFAULT_PPO_CONFIG.totalSteps, '1')}
          ${numberField('Batch size (prompts)', 'batchSize', DEFAULT_PPO_CONFIG.batchSize, '1')}
          ${numberField('Learning rate', 'learningRate', DEFAULT_PPO_CONFIG.learningRate)}
          ${numberField('KL coefficient β', 'klCoef', DEFAULT_PPO_CONFIG.klCoef)}
          <label class="field"
            >KL estimator
            <select name="klEstimator">
              <option value="k1">k1 (log ratio)</option>
              <option value="k3">k3 (always ≥ 0)</option>
            </select></label
          >
          <label><input type="checkbox" name="adaptive" /> Adapt β to a target KL</label>
          ${numberField('Target KL (nats)', 'targetKL', 6)}
          <button
            type="submit"
            data-testid="train-ppo"
            ?disabled=${busy || !this.hasRewardModel}
            title=${this.hasRewardModel ? '' : 'Train a reward model first (step 1)'}
          >
            Run PPO
          </button>
        </form>
        ${this.renderCharts('ppo')}
      </section>
      <section class="card" aria-labelledby="runs-h">
        <h2 id="runs-h">Past runs</h2>
        <tp-train-runs
          .runs=${this.runs}
          ?busy=${busy}
          @tp-run-resume=${this.handleResumeRun}
          @tp-run-show=${this.handleShowRun}
        ></tp-train-runs>
      </section>
      <tp-train-simulator
        ?busy=${this.active}
        @tp-simulation-state=${this.handleSimulationState}
      ></tp-train-simulator>`;
  }

  private renderCharts(kind: RunKind) {
    return html`<div class="grid">
      ${CHARTS[kind].map(
        (c) =>
          html`<tp-metric-chart
            .heading=${c.heading}
            .keys=${c.keys}
            .series=${this.points[kind]}
            .revision=${this.revision}
          ></tp-metric-chart>`,
      )}
    </div>`;
  }

  private handleTrainReward(e: SubmitEvent) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const config = this.checked(() =>
      validateRewardConfig({ epochs: num(f, 'epochs'), learningRate: num(f, 'learningRate') }),
    );
    if (config) void this.start('reward', { ...config });
  }

  private handleTrainPPO(e: SubmitEvent) {
    e.preventDefault();
    const f = new FormData(e.target as HTMLFormElement);
    const config = this.checked(() => {
      const batchSize = num(f, 'batchSize');
      return validatePPOConfig({
        totalSteps: num(f, 'totalSteps'),
        batchSize,
        // The default minibatch count must still divide a smaller batch.
        miniBatches: Math.min(DEFAULT_PPO_CONFIG.miniBatches, Math.max(1, batchSize)),
        learningRate: num(f, 'learningRate'),
        klCoef: num(f, 'klCoef'),
        klEstimator: f.get('klEstimator') as KLKind,
        adaptiveKL: f.get('adaptive') ? { target: num(f, 'targetKL'), horizon: KL_HORIZON } : null,
      });
    });
    if (config) void this.start('ppo', { ...config });
  }

  /** The config, or undefined after showing why it is not valid. */
  private checked<T>(make: () => T): T | undefined {
    try {
      this.formError = '';
      return make();
    } catch (err) {
      this.formError = err instanceof RLConfigError ? formMessage(err) : (err as Error).message;
      return undefined;
    }
  }

  private async start(kind: RunKind, config: Record<string, unknown>, resume?: RunRecord) {
    this.run = { kind, phase: 'starting', step: 0, totalSteps: 0, message: '' };
    this.notices = [];
    // A resumed run continues its curves; a new run starts empty ones.
    this.points = { ...this.points, [kind]: resume ? resume.metrics.slice() : [] };
    this.revision++;
    try {
      const result = await services().engine.train(
        kind,
        config,
        (report) => this.handleProgress(kind, report),
        resume?.id,
      );
      this.run = { ...this.run, phase: result.status, runId: result.runId };
      if (result.checkpointId) {
        emit('tp-checkpoints-changed', { checkpointId: result.checkpointId });
      }
      // PPO left its weights in the policy: the chat's switcher and Compare must know.
      if (result.policy) emit('tp-model-changed', { model: result.policy });
    } catch (err) {
      this.run = { ...this.run, phase: 'failed', message: (err as Error).message };
    }
    void this.refresh();
  }

  private handleProgress(kind: RunKind, r: ProgressReport) {
    const run = this.run;
    if (!run || run.kind !== kind) return;
    // A report still in flight when pause was pressed must not undo 'paused'.
    const phase = run.phase === 'paused' ? 'paused' : 'running';
    this.run = { ...run, phase, step: r.step, totalSteps: r.totalSteps, message: r.message };
    if (r.metrics && Object.keys(r.metrics).length > 0) {
      this.points[kind].push({ step: r.step, values: { ...r.metrics } });
      this.revision++;
    }
    if (r.notice) this.notices = [...this.notices, r.notice].slice(-MAX_NOTICES);
  }

  private async handleControl(e: CustomEvent<{ action: RunAction }>) {
    const { action } = e.detail;
    try {
      await services().engine.control(action);
      // Stop is answered by the run's own result ('stopped') once the current step ends.
      const phase = action === 'pause' ? 'paused' : action === 'resume' ? 'running' : undefined;
      if (phase && this.run && this.active) this.run = { ...this.run, phase };
    } catch (err) {
      this.formError = `Could not ${action} the run: ${(err as Error).message}`;
    }
  }

  private handleResumeRun(e: CustomEvent<RunEventDetail>) {
    const { run } = e.detail;
    if (!this.active) void this.start(run.kind, run.config, run);
  }

  private handleShowRun(e: CustomEvent<RunEventDetail>) {
    const { run } = e.detail;
    if (this.active) return;
    this.points = { ...this.points, [run.kind]: run.metrics.slice() };
    this.revision++;
  }

  private handleSimulationState(e: CustomEvent<{ running: boolean }>) {
    this.simulating = e.detail.running;
  }

  private handleStoreChanged = () => {
    // Coalesced: the simulated rater announces every prompt it stores.
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), REFRESH_DELAY_MS);
  };
}

/** The form's labels by config field, for messages a person reads. */
const FIELD_LABELS: Readonly<Record<string, string>> = Object.freeze({
  epochs: 'Epochs',
  learningRate: 'Learning rate',
  totalSteps: 'Steps',
  batchSize: 'Batch size',
  klCoef: 'KL coefficient β',
  adaptiveKL: 'Target KL',
  miniBatches: 'Batch size',
});

/** "Steps: must be …" with the config's own name kept in brackets, without the source path. */
export function formMessage(err: RLConfigError): string {
  const label = FIELD_LABELS[err.field.split('.')[0]] ?? err.field;
  return `${label}: ${err.rule} (${err.config}.${err.field})`;
}

function numberField(label: string, name: string, value: number, step = 'any') {
  return html`<label class="field"
    >${label} <input type="number" name=${name} step=${step} value=${value} required
  /></label>`;
}

function num(form: FormData, name: string): number {
  const raw = form.get(name);
  return raw === null || raw === '' ? NaN : Number(raw);
}

/** Dispatched on window when a training run starts or ends. */
export type RunStateEvent = CustomEvent<{ active: boolean; kind?: RunKind }>;

declare global {
  interface HTMLElementTagNameMap {
    'tp-train-view': TpTrainView;
  }
  interface WindowEventMap {
    'tp-run-state': RunStateEvent;
  }
}
