/**
 * <tp-data-view>: what has been stored and what it yields for training — counts of the
 * feedback events by kind, the datasets derived from them (preference pairs, undecided
 * comparisons, unpaired examples, demonstrations), the browser's storage use and whether it is
 * persistent; then import/export (<tp-data-transfer>) and the editable list of prompts
 * (<tp-data-prompt-list>).
 *
 * Re-reads the store whenever `tp-data-changed` is emitted on window (coalesced, so a burst of
 * simulated ratings costs one read).
 *
 * @part counts - the card with the counts.
 */
import { LitElement, css, html } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { deriveTrainingData, type DerivationCounts, type FeedbackData } from '../feedback/derive';
import { countFeedback, loadFeedbackData, type FeedbackCounts } from '../store/feedback';
import {
  requestPersistence,
  storageEstimate,
  type PersistenceResult,
  type StorageEstimate,
} from '../store/persistence';
import './data-prompt-list';
import './data-transfer';
import { services } from './services';
import { viewStyles } from './view-styles';

/** A change notice waits this long for more before the store is read again, ms. */
const REFRESH_DELAY_MS = 150;

@customElement('tp-data-view')
export class TpDataView extends LitElement {
  static override styles = [
    viewStyles,
    css`
      .total {
        font-size: 28px;
        font-weight: 700;
        font-variant-numeric: tabular-nums;
      }
      meter {
        width: 100%;
      }
    `,
  ];

  @state() private counts?: FeedbackCounts;
  @state() private derived?: DerivationCounts;
  @state() private synthetic = 0;
  @state() private data?: FeedbackData;
  @state() private storage?: StorageEstimate;
  @state() private persisted?: boolean;
  @state() private persistResult?: PersistenceResult;
  @state() private error = '';
  private refreshTimer?: ReturnType<typeof setTimeout>;
  private reading?: Promise<void>;

  override connectedCallback() {
    super.connectedCallback();
    window.addEventListener('tp-data-changed', this.handleDataChanged);
    void this.refresh();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    window.removeEventListener('tp-data-changed', this.handleDataChanged);
    clearTimeout(this.refreshTimer);
  }

  /** Reads counts, the data snapshot and the storage estimate again. */
  async refresh(): Promise<void> {
    // One read at a time; a read asked for during one runs after it.
    const previous = this.reading;
    const next = (async () => {
      await previous?.catch(() => undefined);
      await this.read();
    })();
    this.reading = next;
    return next;
  }

  private async read() {
    try {
      const store = services().store;
      const [counts, data] = await Promise.all([countFeedback(store), loadFeedbackData(store)]);
      this.counts = counts;
      this.data = data;
      this.derived = deriveTrainingData(data).counts;
      this.synthetic = data.feedback.filter((f) => f.synthetic).length;
      this.error = '';
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
    this.storage = await storageEstimate();
    this.persisted = await navigator.storage?.persisted?.().catch(() => undefined);
  }

  override render() {
    return html`${this.error ? html`<p class="error" role="alert">${this.error}</p>` : null}
      <div class="grid">${this.renderCounts()} ${this.renderDerived()} ${this.renderStorage()}</div>
      <tp-data-transfer></tp-data-transfer>
      <tp-data-prompt-list .data=${this.data}></tp-data-prompt-list>`;
  }

  private renderCounts() {
    const c = this.counts;
    return html`<section class="card" part="counts" aria-labelledby="counts-h">
      <h2 id="counts-h">Stored judgments</h2>
      <p>
        <span class="total" data-testid="data-count">${c?.total ?? 0}</span>
        <span class="muted">feedback events</span>
      </p>
      <dl class="counts">
        <dt>Ratings (thumbs)</dt>
        <dd data-testid="count-rating">${c?.rating ?? 0}</dd>
        <dt>Rankings</dt>
        <dd data-testid="count-ranking">${c?.ranking ?? 0}</dd>
        <dt>Pairwise choices</dt>
        <dd data-testid="count-pairwise">${c?.pairwise ?? 0}</dd>
        <dt>Demonstrations</dt>
        <dd data-testid="count-demonstration">${c?.demonstration ?? 0}</dd>
        <dt><span class="badge synthetic">synthetic</span> of these</dt>
        <dd data-testid="count-synthetic">${this.synthetic}</dd>
      </dl>
    </section>`;
  }

  private renderDerived() {
    const d = this.derived;
    const pairs = d?.pairs;
    return html`<section class="card" aria-labelledby="derived-h">
      <h2 id="derived-h">Training data they give</h2>
      <dl class="counts">
        <dt>Preference pairs</dt>
        <dd data-testid="derived-pairs">${pairs?.total ?? 0}</dd>
        <dt class="muted">… from rankings</dt>
        <dd class="muted">${pairs?.ranking ?? 0}</dd>
        <dt class="muted">… from pairwise choices</dt>
        <dd class="muted">${pairs?.pairwise ?? 0}</dd>
        <dt class="muted">… from thumbs up × down</dt>
        <dd class="muted">${pairs?.rating ?? 0}</dd>
        <dt>Ties / both bad (no pair)</dt>
        <dd data-testid="derived-undecided">${d?.ties ?? 0} / ${d?.bothBad ?? 0}</dd>
        <dt>Unpaired examples</dt>
        <dd data-testid="derived-unpaired">${d?.unpaired ?? 0}</dd>
        <dt>SFT demonstrations</dt>
        <dd data-testid="derived-demonstrations">${d?.demonstrations ?? 0}</dd>
      </dl>
      ${
        d && d.problems > 0
          ? html`<p class="notice">
              ${d.problems} judgments point at a deleted prompt or response and are left out.
            </p>`
          : null
      }
    </section>`;
  }

  private renderStorage() {
    const s = this.storage;
    return html`<section class="card" aria-labelledby="storage-h">
      <h2 id="storage-h">Storage in this browser</h2>
      ${
        s
          ? html`<p data-testid="storage-usage">
                ${formatBytes(s.usage)} used of ${formatBytes(s.quota)}
                (${(s.fraction * 100).toFixed(s.fraction < 0.01 ? 2 : 0)} %)
              </p>
              <meter aria-label="storage used" min="0" max="1" .value=${s.fraction}></meter>`
          : html`<p class="muted">This browser does not report its storage use.</p>`
      }
      <p data-testid="storage-persistent">
        ${
          this.persisted
            ? 'Persistent: the browser will not clear this data to make room.'
            : 'Not persistent: the browser may clear this data when space runs low.'
        }
      </p>
      ${
        this.persisted
          ? null
          : html`<button class="secondary" @click=${this.handlePersist}>Ask to keep my data</button>
              ${
                this.persistResult === 'denied'
                  ? html`<p class="muted" aria-live="polite">
                      The browser said no (Chrome grants it to sites you use often or have
                      installed).
                    </p>`
                  : null
              }`
      }
    </section>`;
  }

  private handleDataChanged = () => {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), REFRESH_DELAY_MS);
  };

  private async handlePersist() {
    this.persistResult = await requestPersistence();
    this.persisted = this.persistResult === 'granted';
  }
}

/** Bytes in the largest unit that keeps the number ≥ 1, with one decimal (1.5 MB). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-data-view': TpDataView;
  }
}
