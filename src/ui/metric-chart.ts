/**
 * <tp-metric-chart>: a live line chart of some metrics of a run, drawn with uPlot.
 *
 * Progress reports can arrive many times a second; the chart redraws at most once every
 * {@link REDRAW_MS}, so a fast run never keeps the page busy drawing. uPlot's stylesheet is
 * adopted into this element's shadow root, where a document-level stylesheet would not reach.
 */
import { LitElement, css, html, unsafeCSS, type PropertyValues } from 'lit';
import { customElement, property, query } from 'lit/decorators.js';
import uPlot from 'uplot';
import uplotCss from 'uplot/dist/uPlot.min.css?inline';
import { viewStyles } from './view-styles';

/** One logged step and the metrics logged at it (the shape of a stored run's metrics). */
export interface MetricPoint {
  step: number;
  values: Record<string, number>;
}

/** Columns ready for uPlot: steps, then one column per key (null where a step lacks it). */
export interface AlignedMetrics {
  keys: string[];
  data: [number[], ...(number | null)[][]];
}

/** The shortest time between two redraws, ms: about 5 frames per second is enough to watch. */
export const REDRAW_MS = 200;

const PALETTE = ['#2f6fde', '#d9692b', '#2e9d6a', '#a64ac9', '#c23b3b', '#6b7a8f'];

/**
 * Puts points into uPlot's column layout: ascending steps (a step logged twice keeps its
 * latest values), and only the wanted keys that occur at least once, in the order asked for.
 */
export function alignMetrics(
  points: readonly MetricPoint[],
  keys: readonly string[],
): AlignedMetrics {
  const byStep = new Map<number, Record<string, number>>();
  for (const p of points) byStep.set(p.step, { ...byStep.get(p.step), ...p.values });
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  const present = keys.filter((k) => points.some((p) => Number.isFinite(p.values[k])));
  const columns = present.map((k) =>
    steps.map((s) => {
      const v = byStep.get(s)![k];
      return Number.isFinite(v) ? v : null;
    }),
  );
  return { keys: present, data: [steps, ...columns] };
}

/** A number as a chart legend shows it: 4 significant digits, no exponent for usual sizes. */
export function formatMetric(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-3 ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

/**
 * @csspart plot - the box the canvas is drawn in.
 */
@customElement('tp-metric-chart')
export class TpMetricChart extends LitElement {
  static override styles = [
    viewStyles,
    unsafeCSS(uplotCss),
    css`
      figure {
        margin: 0;
      }
      figcaption {
        display: flex;
        justify-content: space-between;
        gap: 8px;
        font-size: 13px;
        font-weight: 600;
      }
      .latest {
        font-weight: 400;
        color: var(--tp-muted);
        font-variant-numeric: tabular-nums;
      }
      .plot {
        min-height: 40px;
      }
      .u-legend {
        font-size: 11px;
      }
    `,
  ];

  /** The heading above the chart. */
  @property() heading = '';

  /** Metric keys to draw, e.g. ['loss/policy', 'loss/value']; keys never logged are left out. */
  @property({ attribute: false }) keys: string[] = [];

  /** The logged steps. Pass a new array, or bump `revision` after appending in place. */
  @property({ attribute: false }) series: readonly MetricPoint[] = [];

  /** Bump to redraw after `series` was appended to in place (saves copying long runs). */
  @property({ type: Number }) revision = 0;

  /** Plot height in CSS pixels. */
  @property({ type: Number }) height = 160;

  @query('.plot') private plotBox!: HTMLDivElement;

  private plot?: uPlot;
  private plotKeys = '';
  private lastDraw = 0;
  private timer?: ReturnType<typeof setTimeout>;
  private resizer?: ResizeObserver;
  private readonly scheme = matchMedia('(prefers-color-scheme: dark)');

  override connectedCallback() {
    super.connectedCallback();
    this.scheme.addEventListener('change', this.handleSchemeChange);
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.scheme.removeEventListener('change', this.handleSchemeChange);
    this.resizer?.disconnect();
    this.resizer = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.plot?.destroy();
    this.plot = undefined;
    this.plotKeys = '';
  }

  protected override firstUpdated() {
    this.resizer = new ResizeObserver(() => this.handleResize());
    this.resizer.observe(this.plotBox);
  }

  protected override updated(changed: PropertyValues<this>) {
    if (changed.has('series') || changed.has('revision') || changed.has('keys')) {
      this.scheduleDraw();
    }
  }

  override render() {
    const latest = this.latestText();
    return html`<figure role="group" aria-label=${this.heading}>
      <figcaption>
        <span>${this.heading}</span>
        <span class="latest" aria-label="latest values">${latest}</span>
      </figcaption>
      <div class="plot" part="plot" aria-hidden="true"></div>
      ${this.series.length === 0 ? html`<p class="muted">No data yet.</p>` : null}
    </figure>`;
  }

  private latestText(): string {
    const last = this.series.at(-1);
    if (!last) return '';
    return this.keys
      .filter((k) => Number.isFinite(last.values[k]))
      .map((k) => `${shortName(k)} ${formatMetric(last.values[k])}`)
      .join(' · ');
  }

  /** Draws now if the last draw is old enough, else once when it is. */
  private scheduleDraw() {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastDraw + REDRAW_MS - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastDraw = performance.now();
      this.draw();
    }, wait);
  }

  private draw() {
    const width = this.plotBox?.clientWidth ?? 0;
    // A hidden tab has no width; the resize observer draws once it is shown.
    if (width === 0) return;
    const aligned = alignMetrics(this.series, this.keys);
    if (aligned.keys.length === 0) {
      this.plot?.destroy();
      this.plot = undefined;
      this.plotKeys = '';
      return;
    }
    const keyList = aligned.keys.join('\n');
    if (this.plot && keyList === this.plotKeys) {
      this.plot.setData(aligned.data as uPlot.AlignedData);
      return;
    }
    this.plot?.destroy();
    this.plot = new uPlot(
      this.options(aligned.keys, width),
      aligned.data as uPlot.AlignedData,
      this.plotBox,
    );
    this.plotKeys = keyList;
  }

  private options(keys: string[], width: number): uPlot.Options {
    // The canvas cannot read CSS variables, so the theme colours are resolved here.
    const style = getComputedStyle(this);
    const text = style.getPropertyValue('--tp-muted').trim() || '#5b6470';
    const grid = style.getPropertyValue('--tp-border').trim() || '#d9dde3';
    const axis = {
      stroke: text,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
    };
    return {
      width,
      height: this.height,
      scales: { x: { time: false } },
      series: [
        { label: 'step' },
        ...keys.map((k, i) => ({
          label: k,
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: true,
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : formatMetric(v)),
        })),
      ],
      axes: [axis, { ...axis, size: 56, values: (_u, ticks) => ticks.map(formatMetric) }],
      legend: { show: true },
    };
  }

  private handleResize() {
    const width = this.plotBox.clientWidth;
    if (width === 0) return;
    if (this.plot) this.plot.setSize({ width, height: this.height });
    else this.scheduleDraw();
  }

  private handleSchemeChange = () => {
    this.plot?.destroy();
    this.plot = undefined;
    this.plotKeys = '';
    this.scheduleDraw();
  };
}

/** Keys whose last part would mislead on its own ('loss/reward' is a loss, not a reward). */
const LABELS: Readonly<Record<string, string>> = Object.freeze({
  'loss/reward': 'train',
  'eval/loss': 'held-out',
  'reward/accuracy': 'train',
  'eval/accuracy': 'held-out',
  'objective/scores': 'reward-model score',
  'objective/rlhf_reward': 'score − β·KL',
  'objective/entropy': 'per reply (−Σ log p)',
  'policy/entropy_avg': 'per token',
});

/** 'objective/kl' → 'kl': the group is already in the chart's heading. */
export function shortName(key: string): string {
  return LABELS[key] ?? key.slice(key.lastIndexOf('/') + 1);
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-metric-chart': TpMetricChart;
  }
}
