/**
 * <tp-app>: the shell. A header with the product name and the backend (which, why, the
 * adapter, a menu to override it); the model's loading progress, or its error with a
 * retry; then four tabs: Chat, Data, Train, Compare. A tab's view is created the first
 * time it is opened and kept afterwards, so a running training keeps its view.
 *
 * @fires tp-model-changed - (on window) after the model loaded or the backend changed.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { BackendInfo, BackendName } from '../backend/select';
import type { ModelSummary, ProgressReport } from '../worker/protocol';
import './backend-panel';
import type { BackendSelectEventDetail } from './backend-panel';
import './chat-view';
import './compare-view';
import './data-view';
import './progress-bar';
import { emit, services } from './services';
import { base, theme } from './styles';
import './train-view';

const TABS = [
  { id: 'chat', label: 'Chat' },
  { id: 'data', label: 'Data' },
  { id: 'train', label: 'Train' },
  { id: 'compare', label: 'Compare' },
] as const;
type TabId = (typeof TABS)[number]['id'];

function tabFromHash(hash: string): TabId {
  const id = hash.replace(/^#/, '');
  return TABS.find((t) => t.id === id)?.id ?? 'chat';
}

@customElement('tp-app')
export class App extends LitElement {
  static override styles = [
    theme,
    base,
    css`
      :host {
        display: block;
        min-height: 100vh;
        background: var(--tp-bg);
      }
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 10px 20px;
        align-items: center;
        justify-content: space-between;
        padding: 12px clamp(12px, 3vw, 32px);
        background: var(--tp-surface);
        border-bottom: 1px solid var(--tp-border);
      }
      .brand {
        display: flex;
        gap: 10px;
        align-items: center;
      }
      .brand img {
        width: 32px;
        height: 32px;
      }
      h1 {
        margin: 0;
        font-size: 19px;
        letter-spacing: -0.01em;
      }
      .tagline {
        font-size: 12px;
        color: var(--tp-muted);
      }
      main {
        max-width: 1100px;
        margin: 0 auto;
        padding: 14px clamp(12px, 3vw, 32px) 24px;
      }
      .status {
        margin-bottom: 14px;
      }
      .status.error {
        border-color: var(--tp-danger);
        background: var(--tp-danger-soft);
      }
      .status.error pre {
        white-space: pre-wrap;
        margin: 6px 0 10px;
        font: inherit;
      }
      .model-line {
        font-size: 12px;
        color: var(--tp-muted);
        margin: 0 0 10px;
      }
      [role='tablist'] {
        display: flex;
        gap: 4px;
        margin-bottom: 16px;
        border-bottom: 1px solid var(--tp-border);
      }
      [role='tab'] {
        background: transparent;
        color: var(--tp-muted);
        border: none;
        border-bottom: 2px solid transparent;
        border-radius: 8px 8px 0 0;
        padding: 8px 16px;
        font-weight: 600;
      }
      [role='tab']:hover {
        color: var(--tp-text);
        background: var(--tp-surface-2);
      }
      [role='tab'][aria-selected='true'] {
        color: var(--tp-accent);
        border-bottom-color: var(--tp-accent);
      }
    `,
  ];

  /** The backend asked for by the URL (?backend=) or the menu. */
  @property() backendPreference: BackendName | 'auto' = 'auto';
  /** A warning from boot (an unknown ?backend=, a store problem), shown under the header. */
  @property() notice = '';

  @state() private phase: 'loading' | 'ready' | 'error' = 'loading';
  @state() private progress?: ProgressReport;
  @state() private error = '';
  @state() private backend?: BackendInfo;
  @state() private model?: ModelSummary;
  @state() private switching = false;
  @state() private tab: TabId = tabFromHash(location.hash);
  @state() private opened = new Set<TabId>([tabFromHash(location.hash)]);
  private started = false;

  override connectedCallback() {
    super.connectedCallback();
    if (!this.started) {
      this.started = true;
      void this.load();
    }
  }

  private async load() {
    this.phase = 'loading';
    this.error = '';
    this.progress = undefined;
    const { engine, modelUrl } = services();
    try {
      const { backend, model } = await engine.load(
        modelUrl,
        this.backendPreference,
        (r) => (this.progress = r),
      );
      this.backend = backend;
      this.model = model;
      this.phase = 'ready';
      emit('tp-model-changed', { backend, model });
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
      this.phase = 'error';
    }
  }

  private async handleBackendSelect(e: CustomEvent<BackendSelectEventDetail>) {
    this.backendPreference = e.detail.backend;
    if (this.phase !== 'ready') {
      await this.load();
      return;
    }
    this.switching = true;
    try {
      this.backend = await services().engine.setBackend(e.detail.backend);
      emit('tp-model-changed', { backend: this.backend, model: this.model });
    } catch (err) {
      this.error = `Could not switch the backend: ${err instanceof Error ? err.message : String(err)}`;
      this.phase = 'error';
    } finally {
      this.switching = false;
    }
  }

  private selectTab(id: TabId, focus: boolean) {
    this.tab = id;
    this.opened = new Set([...this.opened, id]);
    history.replaceState(null, '', id === 'chat' ? location.pathname + location.search : `#${id}`);
    if (focus) {
      void this.updateComplete.then(() =>
        this.renderRoot.querySelector<HTMLElement>(`#tab-${id}`)?.focus(),
      );
    }
  }

  private handleTabKey(e: KeyboardEvent) {
    const i = TABS.findIndex((t) => t.id === this.tab);
    const next: Record<string, number> = {
      ArrowRight: i + 1,
      ArrowLeft: i - 1,
      Home: 0,
      End: TABS.length - 1,
    };
    if (!(e.key in next)) return;
    e.preventDefault();
    this.selectTab(TABS[(next[e.key] + TABS.length) % TABS.length].id, true);
  }

  private renderStatus() {
    if (this.phase === 'error') {
      return html`<div class="card status error" role="alert" data-testid="load-error">
        <strong>The model could not be loaded.</strong>
        <pre>${this.error}</pre>
        <div class="row">
          <button @click=${() => void this.load()}>Retry</button>
          <span class="small muted">or choose another backend in the menu above.</span>
        </div>
      </div>`;
    }
    if (this.phase === 'loading') {
      const r = this.progress;
      return html`<div class="card status">
        <tp-progress-bar data-testid="load-progress" .value=${r?.fraction ?? -1}>
          ${r ? `${r.message} (${Math.round(Math.max(0, r.fraction) * 100)} %)` : 'Starting the engine…'}
        </tp-progress-bar>
      </div>`;
    }
    const m = this.model;
    return m
      ? html`<p class="model-line">
          Model <strong>${m.name}</strong> · ${(m.parameters / 1e6).toFixed(2)} M parameters ·
          context ${m.config.n_positions} tokens · all computation runs in this tab.
        </p>`
      : nothing;
  }

  private renderPanel(id: TabId) {
    if (!this.opened.has(id)) return nothing;
    switch (id) {
      case 'chat':
        return html`<tp-chat-view
          ?ready=${this.phase === 'ready'}
          .model=${this.model}
        ></tp-chat-view>`;
      case 'data':
        return html`<tp-data-view></tp-data-view>`;
      case 'train':
        return html`<tp-train-view></tp-train-view>`;
      case 'compare':
        return html`<tp-compare-view></tp-compare-view>`;
    }
  }

  override render() {
    return html`
      <header>
        <div class="brand">
          <img src="favicon.svg" alt="" />
          <div>
            <h1>Thumbprint</h1>
            <div class="tagline">RLHF in your browser tab</div>
          </div>
        </div>
        <tp-backend-panel
          .info=${this.backend}
          .preference=${this.backendPreference}
          ?busy=${this.phase === 'loading' || this.switching}
          @tp-backend-select=${this.handleBackendSelect}
        ></tp-backend-panel>
        <span class="visually-hidden" data-testid="model-status" data-state=${this.phase}>
          ${this.phase === 'ready' ? 'Model ready' : this.phase === 'error' ? 'Model failed to load' : 'Loading the model'}
        </span>
      </header>
      <main>
        ${this.notice ? html`<div class="card status error" role="alert">${this.notice}</div>` : nothing}
        ${this.renderStatus()}
        <div role="tablist" aria-label="Sections" @keydown=${this.handleTabKey}>
          ${TABS.map(
            (t) =>
              html`<button
                role="tab"
                id="tab-${t.id}"
                data-testid="tab-${t.id}"
                aria-selected=${this.tab === t.id ? 'true' : 'false'}
                aria-controls="panel-${t.id}"
                tabindex=${this.tab === t.id ? 0 : -1}
                @click=${() => this.selectTab(t.id, false)}
              >
                ${t.label}
              </button>`,
          )}
        </div>
        ${TABS.map(
          (t) =>
            html`<section
              role="tabpanel"
              id="panel-${t.id}"
              aria-labelledby="tab-${t.id}"
              ?hidden=${this.tab !== t.id}
            >
              ${this.renderPanel(t.id)}
            </section>`,
        )}
      </main>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-app': App;
  }
}
