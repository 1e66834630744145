/**
 * <tp-feedback-demonstration>: "write a better reply". The person writes (or starts from a
 * shown response and edits) the response they wanted; it is kept as a demonstration for
 * supervised fine-tuning.
 *
 * @fires tp-feedback-intent - detail `{ intent }`, a demonstration intent.
 */
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { DemonstrationFeedback } from '../feedback/types';
import { dispatchIntent } from './feedback-plan';
import type { RankItem } from './feedback-ranking';
import { base } from './styles';

@customElement('tp-feedback-demonstration')
export class FeedbackDemonstration extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      textarea {
        width: 100%;
        min-height: 72px;
        resize: vertical;
        margin: 6px 0;
      }
    `,
  ];

  /** The shown responses, to start from one. */
  @property({ attribute: false }) items: RankItem[] = [];
  /** The stored demonstration, if any. */
  @property({ attribute: false }) demonstration?: DemonstrationFeedback;
  @property({ type: Boolean }) disabled = false;

  @state() private draft = '';
  @state() private basedOn?: string;

  override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('demonstration') && this.demonstration) {
      this.draft = this.demonstration.text;
      this.basedOn = this.demonstration.basedOnSampleId;
    }
  }

  private handleStartFrom(item: RankItem) {
    this.draft = item.text;
    this.basedOn = item.sampleId;
  }

  private handleSave() {
    dispatchIntent(this, {
      kind: 'demonstration',
      text: this.draft,
      basedOnSampleId: this.basedOn,
    });
  }

  override render() {
    const saved = this.demonstration?.text === this.draft.trim();
    const from = this.items.find((i) => i.sampleId === this.basedOn);
    return html`
      <div class="row small">
        <span class="muted">Start from:</span>
        ${this.items.map(
          (i) =>
            html`<button class="chip" @click=${() => this.handleStartFrom(i)}>
              Reply ${i.number}
            </button>`,
        )}
        ${from ? html`<span class="muted">(editing reply ${from.number})</span>` : nothing}
      </div>
      <label class="visually-hidden" for="better">A better reply</label>
      <textarea
        id="better"
        data-testid="better-reply"
        placeholder="Write the reply you wanted…"
        .value=${this.draft}
        ?disabled=${this.disabled}
        @input=${(e: Event) => (this.draft = (e.target as HTMLTextAreaElement).value)}
      ></textarea>
      <div class="row">
        <button
          data-testid="better-reply-save"
          ?disabled=${this.disabled || this.draft.trim() === '' || saved}
          @click=${this.handleSave}
        >
          Save better reply
        </button>
        ${saved ? html`<span class="small muted">Saved.</span>` : nothing}
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-feedback-demonstration': FeedbackDemonstration;
  }
}
