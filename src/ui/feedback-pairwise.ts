/**
 * <tp-feedback-pairwise>: "which is better?" between the first two responses shown:
 * A, B, a tie, or both bad. The stored choice shows as the pressed button.
 *
 * @fires tp-feedback-intent - detail `{ intent }`, a pairwise intent with the two sample ids
 *   in shown order.
 */
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { PairwiseFeedback } from '../feedback/types';
import { dispatchIntent } from './feedback-plan';
import { base } from './styles';

type Choice = PairwiseFeedback['choice'];

const BUTTONS: readonly { choice: Choice; label: string; key: string; testid: string }[] = [
  { choice: 'a', label: 'Reply 1 is better', key: 'A', testid: 'choose-a' },
  { choice: 'b', label: 'Reply 2 is better', key: 'B', testid: 'choose-b' },
  { choice: 'tie', label: 'Tie', key: 'T', testid: 'choose-tie' },
  { choice: 'both-bad', label: 'Both bad', key: 'X', testid: 'choose-both-bad' },
];

@customElement('tp-feedback-pairwise')
export class FeedbackPairwise extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      button[aria-pressed='true'] {
        background: var(--tp-accent-soft);
        border-color: var(--tp-accent);
      }
      kbd {
        margin-left: 4px;
      }
    `,
  ];

  /** Sample id of the first response shown (A). */
  @property() a = '';
  /** Sample id of the second response shown (B). */
  @property() b = '';
  /** The stored choice, if any. */
  @property({ attribute: false }) pairwise?: PairwiseFeedback;
  @property({ type: Boolean }) disabled = false;

  private handleChoose(choice: Choice) {
    dispatchIntent(this, { kind: 'pairwise', choice, shownOrder: [this.a, this.b] });
  }

  override render() {
    return html`<div class="row" role="group" aria-label="Which reply is better?">
      <span class="muted small">Which is better?</span>
      ${BUTTONS.map(
        (b) =>
          html`<button
            class="secondary"
            data-testid=${b.testid}
            aria-pressed=${this.pairwise?.choice === b.choice ? 'true' : 'false'}
            ?disabled=${this.disabled}
            @click=${() => this.handleChoose(b.choice)}
          >
            ${b.label}<kbd aria-hidden="true">${b.key}</kbd>
          </button>`,
      )}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-feedback-pairwise': FeedbackPairwise;
  }
}
