/**
 * <tp-feedback-ranking>: the K responses as a list to put in order, best first. Rows move
 * by drag and drop (SortableJS), by keyboard (focus a row, Alt + ↑ / ↓) or by their ↑ / ↓
 * buttons; "Save ranking" stores the order.
 *
 * SortableJS moves DOM nodes itself, which Lit does not expect: at the end of a drag the
 * row is put back where Lit left it, and the new order is rendered from state instead.
 *
 * @fires tp-feedback-intent - detail `{ intent }`, a ranking intent (sample ids, best first).
 * @csspart row - One row of the list.
 */
import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import Sortable from 'sortablejs';
import type { RankingFeedback } from '../feedback/types';
import { dispatchIntent } from './feedback-plan';
import { base } from './styles';

/** One response to rank. */
export interface RankItem {
  sampleId: string;
  /** 1-based number as shown ("Reply 2"). */
  number: number;
  text: string;
}

/** `order` with the entry at `from` moved to `to` (both 0-based). */
export function moveItem<T>(order: readonly T[], from: number, to: number): T[] {
  const next = [...order];
  const [item] = next.splice(from, 1);
  next.splice(Math.max(0, Math.min(next.length, to)), 0, item);
  return next;
}

@customElement('tp-feedback-ranking')
export class FeedbackRanking extends LitElement {
  static override styles = [
    base,
    css`
      :host {
        display: block;
      }
      ol {
        list-style: none;
        margin: 6px 0 8px;
        padding: 0;
        display: grid;
        /* minmax(0, …): long replies are cut with an ellipsis instead of widening the list. */
        grid-template-columns: minmax(0, 1fr);
        gap: 6px;
      }
      li {
        display: flex;
        align-items: center;
        gap: 8px;
        padding: 6px 8px;
        border: 1px solid var(--tp-border);
        border-radius: 10px;
        background: var(--tp-surface);
        cursor: grab;
      }
      li:focus-visible {
        outline: 2px solid var(--tp-accent);
      }
      li.ghost {
        opacity: 0.4;
        background: var(--tp-accent-soft);
      }
      .place {
        flex: none;
        width: 22px;
        height: 22px;
        border-radius: 50%;
        display: grid;
        place-items: center;
        background: var(--tp-accent-soft);
        font-size: 12px;
        font-weight: 600;
      }
      .grip {
        color: var(--tp-muted);
        user-select: none;
      }
      .text {
        flex: 1;
        min-width: 0;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      li button {
        padding: 0 7px;
      }
    `,
  ];

  /** The responses, in shown order. */
  @property({ attribute: false }) items: RankItem[] = [];
  /** The stored ranking, if any. */
  @property({ attribute: false }) ranking?: RankingFeedback;
  @property({ type: Boolean }) disabled = false;

  /** Sample ids, best first, as the person has arranged them. */
  @state() private order: string[] = [];
  @state() private announcement = '';

  @query('ol') private list!: HTMLOListElement;
  private sortable?: Sortable;
  private dragNext: Node | null = null;
  private focusAfterMove?: string;

  override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('items') || changed.has('ranking')) {
      const ids = this.items.map((i) => i.sampleId);
      const stored = this.ranking?.order;
      const fits = stored && stored.length === ids.length && stored.every((id) => ids.includes(id));
      this.order = fits ? [...stored] : ids;
    }
  }

  override updated() {
    if (!this.sortable && this.list) {
      this.sortable = Sortable.create(this.list, {
        animation: 150,
        ghostClass: 'ghost',
        filter: 'button',
        preventOnFilter: false,
        onStart: (evt) => (this.dragNext = evt.item.nextSibling),
        onEnd: (evt) => this.handleDragEnd(evt),
      });
    }
    this.sortable?.option('disabled', this.disabled);
    if (this.focusAfterMove) {
      this.renderRoot.querySelector<HTMLElement>(`li[data-id="${this.focusAfterMove}"]`)?.focus();
      this.focusAfterMove = undefined;
    }
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    this.sortable?.destroy();
    this.sortable = undefined;
  }

  private handleDragEnd(evt: Sortable.SortableEvent) {
    // Put the row back where Lit rendered it, then let Lit render the new order.
    evt.from.insertBefore(evt.item, this.dragNext);
    const { oldIndex, newIndex } = evt;
    if (oldIndex === undefined || newIndex === undefined || oldIndex === newIndex) return;
    this.move(oldIndex, newIndex, false);
  }

  private move(from: number, to: number, keepFocus: boolean) {
    if (to < 0 || to >= this.order.length || from === to) return;
    const id = this.order[from];
    this.order = moveItem(this.order, from, to);
    if (keepFocus) this.focusAfterMove = id;
    const item = this.items.find((i) => i.sampleId === id);
    this.announcement = `Reply ${item?.number ?? ''} moved to place ${to + 1} of ${this.order.length}.`;
  }

  private handleRowKey(e: KeyboardEvent, index: number) {
    if (!e.altKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
    e.preventDefault();
    // The chat view's own shortcuts must not see this key.
    e.stopPropagation();
    this.move(index, index + (e.key === 'ArrowUp' ? -1 : 1), true);
  }

  private handleSave() {
    dispatchIntent(this, { kind: 'ranking', order: [...this.order] });
  }

  override render() {
    const saved = this.ranking?.order.join('\n') === this.order.join('\n');
    const byId = new Map(this.items.map((i) => [i.sampleId, i]));
    return html`
      <div class="muted small" id="how">
        Best first. Drag a row, or focus it and press <kbd>Alt</kbd> + <kbd>↑</kbd> / <kbd>↓</kbd>.
      </div>
      <ol data-testid="rank-list" aria-describedby="how" aria-label="Ranking of the replies">
        ${repeat(
          this.order,
          (id) => id,
          (id, index) => {
            const item = byId.get(id);
            return html`<li
              part="row"
              data-id=${id}
              data-testid="rank-row"
              tabindex="0"
              aria-label=${`Place ${index + 1}: reply ${item?.number}`}
              @keydown=${(e: KeyboardEvent) => this.handleRowKey(e, index)}
            >
              <span class="grip" aria-hidden="true">⠿</span>
              <span class="place" aria-hidden="true">${index + 1}</span>
              <span class="text"><strong>Reply ${item?.number}</strong> · ${item?.text}</span>
              <button
                class="ghost"
                aria-label=${`Move reply ${item?.number} up`}
                ?disabled=${this.disabled || index === 0}
                @click=${() => this.move(index, index - 1, true)}
              >
                ↑
              </button>
              <button
                class="ghost"
                aria-label=${`Move reply ${item?.number} down`}
                ?disabled=${this.disabled || index === this.order.length - 1}
                @click=${() => this.move(index, index + 1, true)}
              >
                ↓
              </button>
            </li>`;
          },
        )}
      </ol>
      <div class="row">
        <button
          data-testid="rank-save"
          ?disabled=${this.disabled || saved}
          @click=${this.handleSave}
        >
          Save ranking
        </button>
        <span class="small muted"
          >${saved ? 'Saved.' : this.ranking ? 'Changed, not saved.' : ''}</span
        >
      </div>
      <div class="visually-hidden" aria-live="polite">${this.announcement}</div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-feedback-ranking': FeedbackRanking;
  }
}
