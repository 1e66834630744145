/**
 * <tp-settings-panel>: the chat's sampling settings (temperature, top-k, top-p, max new
 * tokens, number of candidates K, seed). Every edit is checked; a bad value shows its
 * message next to the field and nothing is handed on, so the engine never sees it. Valid
 * settings are stored in localStorage.
 *
 * @fires tp-settings-change - Valid settings after an edit; detail `{ settings }`.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import {
  DEFAULT_CHAT_SETTINGS,
  checkChatSettings,
  saveChatSettings,
  type ChatSettings,
  type RawSettings,
  type SettingsErrors,
} from './chat-settings';
import { base } from './styles';

export interface SettingsChangeEventDetail {
  settings: ChatSettings;
}

interface FieldSpec {
  key: Exclude<keyof ChatSettings, 'seeded'>;
  label: string;
  hint: string;
  step: string;
  min: string;
  max: string;
}

const FIELDS: readonly FieldSpec[] = [
  {
    key: 'temperature',
    label: 'Temperature',
    hint: 'higher = more varied',
    step: '0.05',
    min: '0.05',
    max: '5',
  },
  { key: 'topK', label: 'Top-k', hint: '0 = off', step: '1', min: '0', max: '1000' },
  { key: 'topP', label: 'Top-p', hint: '1 = off', step: '0.01', min: '0.01', max: '1' },
  {
    key: 'maxNewTokens',
    label: 'Max new tokens',
    hint: 'reply length',
    step: '1',
    min: '1',
    max: '256',
  },
  {
    key: 'candidates',
    label: 'Candidates (K)',
    hint: 'replies per prompt',
    step: '1',
    min: '2',
    max: '4',
  },
];

@customElement('tp-settings-panel')
export class SettingsPanel extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      form {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
        gap: 12px 16px;
        align-items: start;
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 3px;
        font-size: 12px;
        color: var(--tp-muted);
      }
      label.check {
        flex-direction: row;
        align-items: center;
        gap: 6px;
        color: var(--tp-text);
        font-size: 13px;
      }
      input[aria-invalid='true'] {
        border-color: var(--tp-danger);
      }
      .msg {
        font-size: 12px;
        color: var(--tp-danger);
      }
      .actions {
        grid-column: 1 / -1;
        display: flex;
        gap: 10px;
        align-items: center;
      }
    `,
  ];

  /** The settings in use (valid). The form starts from them. */
  @property({ attribute: false }) settings: ChatSettings = { ...DEFAULT_CHAT_SETTINGS };

  /** What the form holds, valid or not. */
  @state() private draft: RawSettings = { ...DEFAULT_CHAT_SETTINGS };
  @state() private errors: SettingsErrors = {};
  @state() private note = '';
  /** The settings this panel last handed on: coming back as `settings`, they keep the draft
   *  as typed ("1.0" must not turn into "1" under the cursor). */
  private emitted?: ChatSettings;

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('settings') && this.settings !== this.emitted) {
      this.draft = { ...this.settings };
      this.errors = {};
    }
  }

  private commit(draft: RawSettings) {
    this.draft = draft;
    const { settings, errors } = checkChatSettings(draft);
    this.errors = errors;
    if (!settings) {
      this.note = 'Not applied: fix the marked field first.';
      return;
    }
    const stored = saveChatSettings(globalThis.localStorage, settings);
    this.note = stored ? 'Saved.' : 'Applied for this visit (the browser would not store them).';
    this.emitted = settings;
    this.dispatchEvent(
      new CustomEvent<SettingsChangeEventDetail>('tp-settings-change', {
        detail: { settings },
        bubbles: true,
        composed: true,
      }),
    );
  }

  private handleInput(key: keyof ChatSettings, e: Event) {
    const input = e.target as HTMLInputElement;
    this.commit({ ...this.draft, [key]: input.type === 'checkbox' ? input.checked : input.value });
  }

  private handleReset() {
    this.commit({ ...DEFAULT_CHAT_SETTINGS });
  }

  private renderField(f: FieldSpec) {
    const error = this.errors[f.key];
    return html`<label>
      <span>${f.label} <span class="muted">· ${f.hint}</span></span>
      <input
        type="number"
        name=${f.key}
        inputmode="decimal"
        step=${f.step}
        min=${f.min}
        max=${f.max}
        .value=${String(this.draft[f.key] ?? '')}
        aria-invalid=${error ? 'true' : 'false'}
        aria-describedby=${`${f.key}-msg`}
        @input=${(e: Event) => this.handleInput(f.key, e)}
      />
      <span class="msg" id=${`${f.key}-msg`} role=${error ? 'alert' : nothing}>${error ?? ''}</span>
    </label>`;
  }

  override render() {
    const seeded = this.draft.seeded === true;
    return html`
      <form @submit=${(e: Event) => e.preventDefault()} aria-label="Sampling settings">
        ${FIELDS.map((f) => this.renderField(f))}
        <div>
          <label class="check">
            <input
              type="checkbox"
              name="seeded"
              .checked=${seeded}
              @change=${(e: Event) => this.handleInput('seeded', e)}
            />
            Seeded (repeatable)
          </label>
          ${seeded ? this.renderField({ key: 'seed', label: 'Seed', hint: 'whole number', step: '1', min: '0', max: '4294967295' }) : nothing}
        </div>
        <div class="actions">
          <button type="button" class="secondary" @click=${this.handleReset}>
            Reset to defaults
          </button>
          <span class="small muted" aria-live="polite">${this.note}</span>
        </div>
      </form>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-settings-panel': SettingsPanel;
  }
  interface HTMLElementEventMap {
    'tp-settings-change': CustomEvent<SettingsChangeEventDetail>;
  }
}
