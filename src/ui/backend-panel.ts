/**
 * <tp-backend-panel>: which TF.js backend runs the model and why, the WebGPU adapter's
 * description and limits, and a menu to choose another backend.
 *
 * @fires tp-backend-select - The person chose a backend; detail `{ backend }` ('auto' or a
 *   backend name). The app switches and sets `info` again.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { AdapterSummary, BackendInfo, BackendName } from '../backend/select';
import { base } from './styles';

/** The backends a URL may ask for. Kept here so the page never imports TF.js itself. */
export const BACKEND_NAMES: readonly BackendName[] = Object.freeze([
  'webgpu',
  'wasm',
  'webgl',
  'cpu',
]);

/** Reads `?backend=`: a known name, or 'auto' (with a warning for an unknown one). */
export function parseBackendParam(value: string | null): {
  backend: BackendName | 'auto';
  warning?: string;
} {
  if (value === null || value === '' || value === 'auto') return { backend: 'auto' };
  const name = value.toLowerCase() as BackendName;
  if (BACKEND_NAMES.includes(name)) return { backend: name };
  return {
    backend: 'auto',
    warning: `Unknown backend "${value}" in the URL (?backend=); use one of ${BACKEND_NAMES.join(', ')}.`,
  };
}

export interface BackendSelectEventDetail {
  backend: BackendName | 'auto';
}

const LABELS: Record<BackendName | 'auto', string> = {
  auto: 'Automatic',
  webgpu: 'WebGPU',
  wasm: 'WebAssembly (wasm)',
  webgl: 'WebGL',
  cpu: 'Plain JavaScript (cpu)',
};

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toLocaleString(undefined, { maximumFractionDigits: 0 })} MiB`;
}

@customElement('tp-backend-panel')
export class BackendPanel extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: flex;
        flex-wrap: wrap;
        align-items: center;
        gap: 6px 12px;
        font-size: 13px;
      }
      .badge {
        display: inline-flex;
        gap: 6px;
        align-items: center;
        padding: 2px 10px;
        border-radius: 999px;
        background: var(--tp-accent-soft);
        border: 1px solid var(--tp-border);
        white-space: nowrap;
      }
      .dot {
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: var(--tp-ok);
      }
      .busy .dot {
        background: var(--tp-warn);
      }
      .reason {
        color: var(--tp-muted);
        max-width: 46ch;
      }
      details {
        position: relative;
      }
      summary {
        cursor: pointer;
        color: var(--tp-muted);
      }
      dl {
        position: absolute;
        right: 0;
        z-index: 5;
        margin: 6px 0 0;
        display: grid;
        grid-template-columns: max-content minmax(12ch, 32ch);
        gap: 2px 12px;
        background: var(--tp-surface);
        border: 1px solid var(--tp-border);
        border-radius: 10px;
        padding: 10px 12px;
        box-shadow: 0 6px 20px rgb(0 0 0 / 12%);
      }
      dt {
        color: var(--tp-muted);
      }
      dd {
        margin: 0;
        word-break: break-word;
      }
    `,
  ];

  /** The running backend; undefined while it starts. */
  @property({ attribute: false }) info?: BackendInfo;
  /** What the person asked for (shown selected in the menu). */
  @property() preference: BackendName | 'auto' = 'auto';
  /** A switch or a load is under way: the menu is disabled. */
  @property({ type: Boolean }) busy = false;

  private handleChange(e: Event) {
    const backend = (e.target as HTMLSelectElement).value as BackendName | 'auto';
    this.dispatchEvent(
      new CustomEvent<BackendSelectEventDetail>('tp-backend-select', {
        detail: { backend },
        bubbles: true,
        composed: true,
      }),
    );
  }

  private renderAdapter(adapter: AdapterSummary | undefined) {
    if (!adapter) {
      return html`<details>
        <summary>Adapter</summary>
        <dl>
          <dt>WebGPU</dt>
          <dd>no adapter in this browser</dd>
        </dl>
      </details>`;
    }
    const name =
      adapter.description || [adapter.vendor, adapter.architecture].filter(Boolean).join(' ');
    return html`<details>
      <summary>Adapter</summary>
      <dl>
        <dt>Description</dt>
        <dd>${name || 'not reported'}</dd>
        <dt>Vendor</dt>
        <dd>${adapter.vendor || '–'}</dd>
        <dt>Architecture</dt>
        <dd>${adapter.architecture || '–'}</dd>
        <dt>Kind</dt>
        <dd>${adapter.isFallback ? 'software (fallback) adapter' : 'hardware adapter'}</dd>
        <dt>Max buffer</dt>
        <dd>${mib(adapter.maxBufferSize)}</dd>
        <dt>Max storage binding</dt>
        <dd>${mib(adapter.maxStorageBufferBindingSize)}</dd>
      </dl>
    </details>`;
  }

  override render() {
    const info = this.info;
    const options = info?.available ?? BACKEND_NAMES;
    return html`
      <span class="badge ${this.busy ? 'busy' : ''}" aria-live="polite">
        <span class="dot" aria-hidden="true"></span>
        <span>Backend: <strong data-testid="backend">${info?.name ?? 'starting…'}</strong></span>
      </span>
      ${info ? html`<span class="reason" data-testid="backend-reason">${info.reason}</span>` : nothing}
      ${info ? this.renderAdapter(info.adapter) : nothing}
      <label>
        <span class="visually-hidden">Choose a backend</span>
        <select .value=${this.preference} ?disabled=${this.busy} @change=${this.handleChange}>
          ${(['auto', ...options] as const).map(
            (b) =>
              html`<option value=${b} ?selected=${b === this.preference}>${LABELS[b]}</option>`,
          )}
        </select>
      </label>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-backend-panel': BackendPanel;
  }
  interface HTMLElementEventMap {
    'tp-backend-select': CustomEvent<BackendSelectEventDetail>;
  }
}
