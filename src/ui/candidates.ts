/**
 * <tp-candidates>: the K candidate responses to one prompt, side by side in their shuffled
 * shown order, each with its thumbs; below them the prompt-level feedback: which of the
 * first two is better, a ranking of all K, and "write a better reply". Controls turn on
 * once the prompt and its responses are stored.
 *
 * @fires tp-feedback - detail `{ promptId, intent }`: a feedback control was used.
 * @csspart reply - One response card.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { pickedReply, type Turn } from './chat-turns';
import type { FeedbackIntent, FeedbackIntentEventDetail } from './feedback-plan';
import type { RankItem } from './feedback-ranking';
import './feedback-demonstration';
import './feedback-pairwise';
import './feedback-ranking';
import './feedback-rating';
import { base } from './styles';

export interface FeedbackEventDetail {
  promptId: string;
  intent: FeedbackIntent;
}

@customElement('tp-candidates')
export class Candidates extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      .replies {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(220px, 1fr));
        gap: 10px;
      }
      article {
        display: flex;
        flex-direction: column;
        gap: 8px;
        padding: 12px 14px;
        border-radius: 12px;
        background: var(--tp-surface);
        border: 1px solid var(--tp-border);
        box-shadow: var(--tp-shadow);
      }
      article.picked {
        border-color: var(--tp-accent);
      }
      header {
        display: flex;
        gap: 8px;
        align-items: center;
        font-size: 12px;
        color: var(--tp-muted);
      }
      .num {
        font-weight: 600;
        color: var(--tp-text);
      }
      .tag {
        border-radius: 999px;
        padding: 0 8px;
        background: var(--tp-accent-soft);
      }
      .text {
        margin: 0;
        flex: 1;
        white-space: pre-wrap;
        word-break: break-word;
        font-size: 15px;
      }
      .text.streaming::after {
        content: '▍';
        color: var(--tp-accent);
        animation: blink 1s steps(2) infinite;
      }
      @keyframes blink {
        to {
          opacity: 0;
        }
      }
      .feedback {
        margin-top: 10px;
        display: grid;
        gap: 10px;
        padding: 10px 14px;
        border-radius: 12px;
        background: var(--tp-surface-2);
      }
      summary {
        cursor: pointer;
        font-size: 13px;
      }
    `,
  ];

  /** The prompt's state: replies in shown order and the feedback stored for them. */
  @property({ attribute: false }) turn?: Turn;

  private handleIntent(e: CustomEvent<FeedbackIntentEventDetail>) {
    e.stopPropagation();
    const promptId = this.turn?.promptId;
    if (!promptId) return;
    this.dispatchEvent(
      new CustomEvent<FeedbackEventDetail>('tp-feedback', {
        detail: { promptId, intent: e.detail.intent },
        bubbles: true,
        composed: true,
      }),
    );
  }

  private renderReply(turn: Turn, index: number, picked: number) {
    const reply = turn.replies[index];
    const streaming = turn.status === 'generating';
    const ended = turn.status === 'done';
    const isPicked = ended && turn.replies.length > 1 && index === picked;
    return html`<article
      part="reply"
      class=${isPicked ? 'picked' : ''}
      aria-label=${`Reply ${index + 1}`}
    >
      <header>
        <span class="num">Reply ${index + 1}</span>
        ${isPicked ? html`<span class="tag" title="The chat goes on from this reply">continues the chat</span>` : nothing}
        ${ended && !reply.finished && reply.text !== '' ? html`<span>· cut short</span>` : nothing}
      </header>
      <p
        class="text ${streaming ? 'streaming' : ''}"
        data-testid="reply"
        aria-live="polite"
        aria-busy=${streaming ? 'true' : 'false'}
        .textContent=${reply.text}
      ></p>
      ${ended && reply.text === '' ? html`<span class="muted small">(empty response)</span>` : nothing}
      <tp-feedback-rating
        .sampleId=${reply.sampleId ?? ''}
        .number=${index + 1}
        .rating=${reply.sampleId ? turn.feedback.ratings[reply.sampleId] : undefined}
        ?disabled=${!reply.sampleId}
      ></tp-feedback-rating>
    </article>`;
  }

  private renderFeedback(turn: Turn) {
    const items: RankItem[] = turn.replies.flatMap((r, i) =>
      r.sampleId ? [{ sampleId: r.sampleId, number: i + 1, text: r.text }] : [],
    );
    if (items.length < turn.replies.length || items.length === 0) return nothing;
    return html`<div class="feedback" @tp-feedback-intent=${this.handleIntent}>
      ${
        items.length >= 2
          ? html`<tp-feedback-pairwise
              .a=${items[0].sampleId}
              .b=${items[1].sampleId}
              .pairwise=${turn.feedback.pairwise}
            ></tp-feedback-pairwise>`
          : nothing
      }
      ${
        items.length >= 2
          ? html`<details ?open=${items.length > 2}>
              <summary>Rank all ${items.length} replies</summary>
              <tp-feedback-ranking
                .items=${items}
                .ranking=${turn.feedback.ranking}
              ></tp-feedback-ranking>
            </details>`
          : nothing
      }
      <details ?open=${turn.feedback.demonstration !== undefined}>
        <summary>Write a better reply</summary>
        <tp-feedback-demonstration
          .items=${items}
          .demonstration=${turn.feedback.demonstration}
        ></tp-feedback-demonstration>
      </details>
    </div>`;
  }

  override render() {
    const turn = this.turn;
    if (!turn) return nothing;
    const picked = pickedReply(turn);
    return html`
      <div class="replies" @tp-feedback-intent=${this.handleIntent}>
        ${turn.replies.map((_, i) => this.renderReply(turn, i, picked))}
      </div>
      ${this.renderFeedback(turn)}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-candidates': Candidates;
  }
  interface HTMLElementEventMap {
    'tp-feedback': CustomEvent<FeedbackEventDetail>;
  }
}
