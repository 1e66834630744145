/**
 * <tp-data-prompt-list>: the stored prompts, newest first, each with its responses and the
 * judgments given on them. A judgment can be edited (flip a thumb, change a pairwise choice,
 * rewrite a demonstration) or deleted; deleting a prompt deletes its responses and judgments.
 * Judgments from the simulated rater carry a "synthetic" badge.
 *
 * The list only renders `data`; every change is written through the store and announced with
 * `tp-data-changed` on window, and the owner passes the re-read data back in.
 */
import { counted } from './format';
import { LitElement, css, html, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { FeedbackData } from '../feedback/derive';
import {
  IMPORTED_RESPONSE,
  REFERENCE_CHECKPOINT,
  type FeedbackEvent,
  type PairwiseFeedback,
  type PromptRecord,
  type SampleRecord,
} from '../feedback/types';
import { deleteFeedback, deletePrompt, updateFeedback } from '../store/feedback';
import { emit, services } from './services';
import { viewStyles } from './view-styles';

/** A prompt with its responses (in the order shown) and its judgments (oldest first). */
export interface PromptGroup {
  prompt: PromptRecord;
  samples: SampleRecord[];
  feedback: FeedbackEvent[];
}

export type SyntheticFilter = 'all' | 'person' | 'synthetic';

/** How many prompts are rendered at first and per "show more"; keeps big imports light. */
const PAGE = 20;

/** Groups the records by prompt, newest prompt first. */
export function groupByPrompt(data: FeedbackData): PromptGroup[] {
  const groups = new Map<string, PromptGroup>();
  for (const prompt of data.prompts) groups.set(prompt.id, { prompt, samples: [], feedback: [] });
  for (const s of data.samples) groups.get(s.promptId)?.samples.push(s);
  for (const f of data.feedback) groups.get(f.promptId)?.feedback.push(f);
  const list = [...groups.values()];
  for (const g of list) {
    g.samples.sort((a, b) => a.shownPosition - b.shownPosition);
    g.feedback.sort((a, b) => a.createdAt - b.createdAt);
  }
  return list.sort((a, b) => b.prompt.createdAt - a.prompt.createdAt);
}

@customElement('tp-data-prompt-list')
export class TpDataPromptList extends LitElement {
  static override styles = [
    viewStyles,
    css`
      ol.prompts {
        list-style: none;
        padding: 0;
        margin: 0;
      }
      li.prompt {
        border-top: 1px solid var(--tp-border);
        padding: 10px 0;
      }
      .prompt-text {
        font-weight: 600;
        flex: 1 1 320px;
      }
      ol.samples {
        margin: 6px 0;
        padding-left: 1.6em;
      }
      ul.judgments {
        margin: 4px 0 0;
        padding-left: 1.2em;
        list-style: none;
      }
      ul.judgments li {
        margin: 3px 0;
      }
      textarea {
        width: 100%;
        box-sizing: border-box;
        min-height: 4em;
      }
    `,
  ];

  /** Everything stored, read in one snapshot by the owner. */
  @property({ attribute: false }) data?: FeedbackData;

  @state() private shown = PAGE;
  @state() private filter: SyntheticFilter = 'all';
  @state() private armedDelete?: string;
  @state() private status = '';
  @state() private error = '';
  private groups: PromptGroup[] = [];

  protected override willUpdate(changed: PropertyValues<this>) {
    if (changed.has('data')) this.groups = this.data ? groupByPrompt(this.data) : [];
  }

  override render() {
    const visible = this.groups.filter((g) => this.isShown(g));
    return html`<section class="card" aria-labelledby="list-h">
      <div class="row">
        <h2 id="list-h">Prompts and judgments</h2>
        <label class="field"
          >Show
          <select @change=${this.handleFilter} .value=${this.filter}>
            <option value="all">all judgments</option>
            <option value="person">only a person's</option>
            <option value="synthetic">only synthetic (simulated rater)</option>
          </select></label
        >
      </div>
      <p aria-live="polite" class=${this.error ? 'error' : 'muted'}>${this.error || this.status}</p>
      ${
        visible.length === 0
          ? html`<p class="muted">No prompts stored yet.</p>`
          : html`<ol class="prompts" data-testid="prompt-list">
              ${visible.slice(0, this.shown).map((g) => this.renderGroup(g))}
            </ol>`
      }
      ${
        visible.length > this.shown
          ? html`<button class="secondary" @click=${this.handleShowMore}>
              Show more (${visible.length - this.shown} left)
            </button>`
          : null
      }
    </section>`;
  }

  private isShown(g: PromptGroup): boolean {
    if (this.filter === 'all') return true;
    const synthetic = this.filter === 'synthetic';
    return g.feedback.some((f) => f.synthetic === synthetic);
  }

  private renderGroup(g: PromptGroup) {
    const armed = this.armedDelete === g.prompt.id;
    const feedback =
      this.filter === 'all'
        ? g.feedback
        : g.feedback.filter((f) => f.synthetic === (this.filter === 'synthetic'));
    return html`<li class="prompt" data-prompt-id=${g.prompt.id}>
      <div class="row">
        <span class="prompt-text pre">${g.prompt.text}</span>
        <span class="badge ${g.prompt.source === 'simulated' ? 'synthetic' : ''}"
          >${g.prompt.source}</span
        >
        <time class="muted" datetime=${new Date(g.prompt.createdAt).toISOString()}
          >${new Date(g.prompt.createdAt).toLocaleString()}</time
        >
        <button
          class="danger"
          data-testid="delete-prompt"
          aria-label=${
            armed
              ? 'Confirm: delete this prompt with its responses and judgments'
              : 'Delete this prompt with its responses and judgments'
          }
          @click=${() => this.handleDeletePrompt(g)}
        >
          ${armed ? 'Confirm delete' : 'Delete prompt'}
        </button>
      </div>
      ${
        g.samples.length > 0
          ? html`<ol class="samples" aria-label="responses">
              ${g.samples.map(
                (s) =>
                  html`<li>
                    <span class="pre">${s.text}</span>
                    <span class="badge">${sampleOrigin(s)}</span>
                  </li>`,
              )}
            </ol>`
          : null
      }
      <ul class="judgments" aria-label="judgments">
        ${feedback.map((f) => this.renderJudgment(f, g.samples))}
      </ul>
    </li>`;
  }

  private renderJudgment(f: FeedbackEvent, samples: SampleRecord[]) {
    const n = (id: string) => `response ${samples.findIndex((s) => s.id === id) + 1}`;
    const badge = f.synthetic ? html`<span class="badge synthetic">synthetic</span>` : null;
    const remove = html`<button
      class="danger"
      data-testid="delete-judgment"
      aria-label="Delete this ${f.kind}"
      @click=${() => this.handleDeleteJudgment(f)}
    >
      Delete
    </button>`;
    switch (f.kind) {
      case 'rating':
        return html`<li class="row" data-kind="rating">
          <span>${f.value === 1 ? '👍 Thumbs up' : '👎 Thumbs down'} on ${n(f.sampleId)}</span>
          ${f.reasons.length > 0 ? html`<span class="muted">(${f.reasons.join(', ')})</span>` : null}
          ${f.comment ? html`<q class="muted" data-testid="rating-comment">${f.comment}</q>` : null}
          ${badge}
          <button
            class="secondary"
            data-testid="flip-rating"
            aria-label=${f.value === 1 ? 'Change to thumbs down' : 'Change to thumbs up'}
            @click=${() => this.handleFlip(f)}
          >
            Flip
          </button>
          ${remove}
        </li>`;
      case 'pairwise':
        return html`<li class="row" data-kind="pairwise">
          <label
            >${n(f.a)} vs ${n(f.b)}:
            <select
              data-testid="pairwise-choice"
              .value=${f.choice}
              @change=${(e: Event) => this.handleChoice(f, e)}
            >
              <option value="a">${n(f.a)} is better</option>
              <option value="b">${n(f.b)} is better</option>
              <option value="tie">tie</option>
              <option value="both-bad">both bad</option>
            </select></label
          >
          ${badge} ${remove}
        </li>`;
      case 'ranking':
        return html`<li class="row" data-kind="ranking">
          <span>Ranking, best first: ${f.order.map(n).join(' > ')}</span>
          ${badge} ${remove}
        </li>`;
      case 'demonstration':
        return html`<li data-kind="demonstration">
          <div class="row">
            <span>Written response:</span>
            ${badge} ${remove}
          </div>
          <textarea
            aria-label="written response"
            .value=${f.text}
            @change=${(e: Event) => this.handleDemonstration(f, e)}
          ></textarea>
        </li>`;
    }
  }

  private handleFilter(e: Event) {
    this.filter = (e.target as HTMLSelectElement).value as SyntheticFilter;
    this.shown = PAGE;
  }

  private handleShowMore() {
    this.shown += PAGE;
  }

  private handleFlip(f: Extract<FeedbackEvent, { kind: 'rating' }>) {
    // Reasons explain a thumbs down; a thumb turned up keeps none.
    const value = f.value === 1 ? -1 : 1;
    void this.save(
      () => updateFeedback(services().store, { ...f, value, reasons: [] }),
      'Rating changed.',
    );
  }

  private handleChoice(f: PairwiseFeedback, e: Event) {
    const choice = (e.target as HTMLSelectElement).value as PairwiseFeedback['choice'];
    void this.save(() => updateFeedback(services().store, { ...f, choice }), 'Choice changed.');
  }

  private handleDemonstration(f: Extract<FeedbackEvent, { kind: 'demonstration' }>, e: Event) {
    const text = (e.target as HTMLTextAreaElement).value;
    if (text.trim() === '') {
      this.error = 'A written response cannot be empty; delete it instead.';
      (e.target as HTMLTextAreaElement).value = f.text;
      return;
    }
    void this.save(
      () => updateFeedback(services().store, { ...f, text }),
      'Written response saved.',
    );
  }

  private handleDeleteJudgment(f: FeedbackEvent) {
    void this.save(() => deleteFeedback(services().store, f.id), `Deleted the ${f.kind}.`);
  }

  private handleDeletePrompt(g: PromptGroup) {
    // Two clicks, not a confirm() dialog, which would block the page.
    if (this.armedDelete !== g.prompt.id) {
      this.armedDelete = g.prompt.id;
      return;
    }
    this.armedDelete = undefined;
    void this.save(async () => {
      const removed = await deletePrompt(services().store, g.prompt.id);
      this.status =
        `Deleted the prompt with ${counted(removed.samples, 'response')} and ` +
        `${counted(removed.feedback, 'judgment')}.`;
    }, '');
  }

  private async save(write: () => Promise<unknown>, done: string) {
    this.error = '';
    try {
      await write();
      if (done) this.status = done;
      emit('tp-data-changed', { reason: 'edit' });
    } catch (err) {
      this.error = err instanceof Error ? err.message : String(err);
    }
  }
}

function sampleOrigin(s: SampleRecord): string {
  if (s.checkpointId === REFERENCE_CHECKPOINT) return 'reference model';
  if (s.checkpointId === IMPORTED_RESPONSE) return 'imported';
  return `checkpoint ${s.checkpointId.slice(0, 8)}`;
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-data-prompt-list': TpDataPromptList;
  }
}
