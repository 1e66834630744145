/**
 * <tp-feedback-rating>: thumbs up / down on one response; after a thumbs down, optional
 * reason chips, and after either thumb an optional comment. Pressing a pressed thumb takes
 * it back.
 *
 * @fires tp-feedback-intent - detail `{ intent }`, a rating intent for `sampleId`
 *   (`value: 0` takes the rating back).
 */
import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { RATING_REASONS, type RatingFeedback, type RatingReason } from '../feedback/types';
import { dispatchIntent } from './feedback-plan';
import { base } from './styles';

/** A thumb drawn as a line icon (emoji fonts are missing on some systems); flipped for down. */
const THUMB = svg`<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none"
  stroke="currentColor" stroke-width="1.8" stroke-linejoin="round" stroke-linecap="round">
  <path d="M3 10h3.5v10.5H3z" />
  <path d="M6.5 10l3.7-7.2a2.2 2.2 0 0 1 3.1 2.1V9h5.6a2 2 0 0 1 2 2.4l-1.5 7.4a2.1 2.1 0 0 1-2.1 1.7H6.5" />
</svg>`;

@customElement('tp-feedback-rating')
export class FeedbackRating extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      .thumbs button {
        display: inline-grid;
        place-items: center;
        min-width: 40px;
        height: 32px;
        color: var(--tp-muted);
      }
      .thumbs .down svg {
        transform: rotate(180deg);
      }
      button.thumb[aria-pressed='true'] {
        color: var(--tp-text);
      }
      button.thumb[aria-pressed='true'].up {
        background: var(--tp-ok-soft);
        border-color: var(--tp-ok);
      }
      button.thumb[aria-pressed='true'].down {
        background: var(--tp-danger-soft);
        border-color: var(--tp-danger);
      }
      .details {
        margin-top: 8px;
        display: grid;
        gap: 6px;
      }
      .comment {
        display: flex;
        gap: 6px;
      }
      .comment input {
        flex: 1;
        min-width: 0;
      }
    `,
  ];

  /** The response rated. */
  @property() sampleId = '';
  /** 1-based number of the response as shown, for labels ("reply 2"). */
  @property({ type: Number }) number = 1;
  /** The stored rating, if any. */
  @property({ attribute: false }) rating?: RatingFeedback;
  /** No rating yet possible (the response is still being written or stored). */
  @property({ type: Boolean }) disabled = false;

  @state() private comment = '';

  override willUpdate(changed: Map<string, unknown>) {
    if (changed.has('rating')) this.comment = this.rating?.comment ?? '';
  }

  private send(value: 1 | -1 | 0, reasons?: RatingReason[]) {
    dispatchIntent(this, {
      kind: 'rating',
      sampleId: this.sampleId,
      value,
      reasons,
      comment: this.comment,
    });
  }

  private handleThumb(value: 1 | -1) {
    this.send(this.rating?.value === value ? 0 : value);
  }

  private handleReason(reason: RatingReason) {
    const now = this.rating?.reasons ?? [];
    const next = now.includes(reason) ? now.filter((r) => r !== reason) : [...now, reason];
    // Keep the canonical order, so that the same set is always stored the same way.
    this.send(
      -1,
      RATING_REASONS.filter((r) => next.includes(r)),
    );
  }

  private handleCommentSave(e: Event) {
    e.preventDefault();
    if (this.rating) this.send(this.rating.value);
  }

  override render() {
    const value = this.rating?.value ?? 0;
    const changed = this.comment.trim() !== (this.rating?.comment ?? '');
    return html`
      <div class="row thumbs" role="group" aria-label=${`Rate reply ${this.number}`}>
        <button
          class="secondary thumb up"
          data-testid="thumb-up"
          aria-pressed=${value === 1 ? 'true' : 'false'}
          aria-label=${`Thumbs up for reply ${this.number}`}
          title=${`Good reply (key ${this.number})`}
          ?disabled=${this.disabled}
          @click=${() => this.handleThumb(1)}
        >
          ${THUMB}
        </button>
        <button
          class="secondary thumb down"
          data-testid="thumb-down"
          aria-pressed=${value === -1 ? 'true' : 'false'}
          aria-label=${`Thumbs down for reply ${this.number}`}
          title=${`Bad reply (Shift + ${this.number})`}
          ?disabled=${this.disabled}
          @click=${() => this.handleThumb(-1)}
        >
          ${THUMB}
        </button>
      </div>
      ${
        value === 0
          ? nothing
          : html`<div class="details">
              ${
                value === -1
                  ? html`<div class="row" role="group" aria-label="What was wrong (optional)">
                      ${RATING_REASONS.map(
                        (r) =>
                          html`<button
                            class="chip"
                            data-testid="reason-${r}"
                            aria-pressed=${this.rating?.reasons.includes(r) ? 'true' : 'false'}
                            @click=${() => this.handleReason(r)}
                          >
                            ${r}
                          </button>`,
                      )}
                    </div>`
                  : nothing
              }
              <form class="comment" @submit=${this.handleCommentSave}>
                <input
                  type="text"
                  data-testid="comment"
                  placeholder="Comment (optional)"
                  aria-label=${`Comment on reply ${this.number}`}
                  .value=${this.comment}
                  @input=${(e: Event) => (this.comment = (e.target as HTMLInputElement).value)}
                />
                <button class="secondary" type="submit" ?disabled=${!changed}>Save</button>
              </form>
            </div>`
      }
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-feedback-rating': FeedbackRating;
  }
}
