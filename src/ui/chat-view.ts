/**
 * <tp-chat-view>: the chat. Each prompt gets K candidate responses, sampled in the engine
 * worker and streamed token by token, shown in a shuffled order; once done, the prompt and
 * its responses are stored and every feedback control turns on. Keyboard shortcuts (see
 * SHORTCUTS) work whenever the focus is in this view but not in a text field.
 *
 * The conversation sent with each prompt is the earlier prompts with the reply picked from
 * each (see pickedReply); no system prompt.
 *
 * @fires tp-data-changed - (on window) after candidates or feedback are stored.
 */
import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { Message, SamplingSettings } from '../feedback/types';
import { newId } from '../store/db';
import {
  getSamples,
  listFeedback,
  listPrompts,
  newestPrompt,
  saveCandidates,
  type SampleInput,
} from '../store/feedback';
import type { ModelSummary } from '../worker/protocol';
import './candidates';
import type { FeedbackEventDetail } from './candidates';
import { loadChatSettings, toSamplingRequest, type ChatSettings } from './chat-settings';
import {
  SHORTCUTS,
  conversationMessages,
  restoredTurn,
  inShownOrder,
  shortcutFor,
  shuffledOrder,
  type Reply,
  type Turn,
} from './chat-turns';
import './checkpoint-switcher';
import { FeedbackController, type FeedbackHost, type ToastKind } from './feedback-controller';
import { NO_FEEDBACK, type TurnFeedback } from './feedback-plan';
import { emit, services } from './services';
import './settings-panel';
import type { SettingsChangeEventDetail } from './settings-panel';
import { chatStyles } from './chat-view.styles';

const EXAMPLES = [
  'Tell me something fun about space.',
  'How do I keep a houseplant alive?',
  'What should I cook for dinner tonight?',
];

/** How long a success toast stays, ms. Errors stay until dismissed. */
const TOAST_MS = 2500;

@customElement('tp-chat-view')
export class ChatView extends LitElement implements FeedbackHost {
  static override styles = chatStyles;

  /** The model is loaded: prompts can be sent. */
  @property({ type: Boolean }) ready = false;
  /** The loaded model (its context length caps max new tokens). */
  @property({ attribute: false }) model?: ModelSummary;

  @state() private turns: Turn[] = [];
  @state() private draft = '';
  @state() private settings: ChatSettings;
  @state() private settingsWarning?: string;
  @state() private showSettings = false;
  @state() private showHelp = false;
  @state() private notice?: { text: string; kind: ToastKind };

  private readonly feedback = new FeedbackController(this);
  private conversationId = newId();
  private cancel?: () => void;
  private toastTimer?: ReturnType<typeof setTimeout>;

  constructor() {
    super();
    const { settings, warning } = loadChatSettings(globalThis.localStorage);
    this.settings = settings;
    this.settingsWarning = warning;
  }

  override connectedCallback() {
    super.connectedCallback();
    // On the document, not the element: after a reload nothing inside the chat has focus
    // yet, and a click on the page's background must not leave the shortcuts dead.
    document.addEventListener('keydown', this.handleKeydown);
    if (this.turns.length === 0) void this.restoreLastConversation();
  }

  override disconnectedCallback() {
    super.disconnectedCallback();
    document.removeEventListener('keydown', this.handleKeydown);
  }

  /** After a reload, the newest chat conversation comes back with its judgments. */
  private async restoreLastConversation() {
    try {
      const store = services().store;
      const last = await newestPrompt(store, 'user');
      if (!last) return;
      const prompts = await listPrompts(store, {
        conversationId: last.conversationId,
        oldestFirst: true,
      });
      const eos = this.model?.config.eos_token_id;
      const turns = await Promise.all(
        prompts.map(async (p) =>
          restoredTurn(
            p,
            await getSamples(store, p.id),
            await listFeedback(store, { promptId: p.id }),
            eos,
          ),
        ),
      );
      // A prompt sent while this ran wins: the restored turns go before it.
      this.turns = [...turns.filter((t) => t.replies.length > 0), ...this.turns];
      this.conversationId = last.conversationId;
    } catch (err) {
      this.toast(`Could not restore the last conversation: ${(err as Error).message}`, 'error');
    }
  }

  private get busy(): boolean {
    const last = this.turns.at(-1);
    return last?.status === 'generating' || last?.status === 'saving';
  }

  // FeedbackHost ---------------------------------------------------------------------------

  feedbackOf(promptId: string): TurnFeedback | undefined {
    return this.turns.find((t) => t.promptId === promptId)?.feedback;
  }

  setFeedback(promptId: string, feedback: TurnFeedback): void {
    this.turns = this.turns.map((t) => (t.promptId === promptId ? { ...t, feedback } : t));
  }

  positionOf(promptId: string, sampleId: string): number {
    const turn = this.turns.find((t) => t.promptId === promptId);
    return turn ? turn.replies.findIndex((r) => r.sampleId === sampleId) : -1;
  }

  toast(text: string, kind: ToastKind): void {
    clearTimeout(this.toastTimer);
    this.notice = { text, kind };
    if (kind === 'ok') this.toastTimer = setTimeout(() => (this.notice = undefined), TOAST_MS);
  }

  // Generation -----------------------------------------------------------------------------

  private patchTurn(key: string, patch: (t: Turn) => Turn): Turn | undefined {
    let patched: Turn | undefined;
    this.turns = this.turns.map((t) => (t.key === key ? (patched = patch(t)) : t));
    return patched;
  }

  private async handleSend() {
    const prompt = this.draft.trim();
    if (!prompt || this.busy || !this.ready) return;
    const k = this.settings.candidates;
    const messages: Message[] = [
      ...conversationMessages(this.turns),
      { role: 'user', content: prompt },
    ];
    const key = newId();
    const order = shuffledOrder(k);
    const empty: Reply[] = order.map(() => ({ text: '', finished: false }));
    this.turns = [
      ...this.turns,
      {
        key,
        prompt,
        messages,
        order,
        replies: empty,
        status: 'generating',
        stopped: false,
        feedback: NO_FEEDBACK,
      },
    ];
    this.draft = '';
    void this.updateComplete.then(() => this.scrollToLatest());

    const sampling = toSamplingRequest(this.settings, this.model?.config.n_positions);
    const asReplies = (texts: readonly string[], finished: readonly boolean[], t: Turn) =>
      inShownOrder(
        texts.map((text, i) => ({ text, finished: finished[i] })),
        t.order,
      );
    try {
      const job = services().engine.generate(messages, k, sampling, (texts, done) =>
        this.patchTurn(key, (t) => ({ ...t, replies: asReplies(texts, done, t) })),
      );
      this.cancel = job.cancel;
      const result = await job.done;
      this.cancel = undefined;
      const { candidates, checkpointId } = result;
      if (candidates.length !== k)
        throw new Error(`the engine returned ${candidates.length} responses, not ${k}`);
      const turn = this.patchTurn(key, (t) => ({
        ...t,
        status: 'saving',
        checkpointId,
        replies: asReplies(
          candidates.map((c) => c.text),
          candidates.map((c) => c.finished),
          t,
        ),
      }))!;

      // Store the prompt and its responses in the order shown (shownPosition = place).
      const settings: SamplingSettings = { ...sampling };
      const samples: SampleInput[] = turn.order.map((c, place) => ({
        text: candidates[c].text,
        tokenIds: candidates[c].tokenIds,
        checkpointId,
        sampling: settings,
        shownPosition: place,
      }));
      const saved = await saveCandidates(
        services().store,
        { conversationId: this.conversationId, text: prompt, source: 'user', messages },
        samples,
      );
      this.patchTurn(key, (t) => ({
        ...t,
        status: 'done',
        promptId: saved.prompt.id,
        replies: t.replies.map((r, place) => ({ ...r, sampleId: saved.samples[place].id })),
      }));
      emit('tp-data-changed', { reason: 'candidates' });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.patchTurn(key, (t) => ({ ...t, status: 'failed', error: message }));
    } finally {
      this.cancel = undefined;
    }
  }

  private handleStop() {
    this.cancel?.();
    const last = this.turns.at(-1);
    if (last) this.patchTurn(last.key, (t) => ({ ...t, stopped: true }));
  }

  private handleRetry(turn: Turn) {
    this.draft = turn.prompt;
    this.turns = this.turns.filter((t) => t.key !== turn.key);
    this.renderRoot.querySelector<HTMLTextAreaElement>('textarea')?.focus();
  }

  private handleNewChat() {
    if (this.busy) return;
    this.turns = [];
    this.conversationId = newId();
  }

  private scrollToLatest() {
    const turns = this.renderRoot.querySelectorAll('.turn');
    turns[turns.length - 1]?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }

  // Input ----------------------------------------------------------------------------------

  private handleSubmit(e: Event) {
    e.preventDefault();
    // The Send button is about to become Stop: keep the focus in this view (not on <body>),
    // so that the rating shortcuts work as soon as the replies are in.
    if (this.shadowRoot?.activeElement?.tagName !== 'TEXTAREA') {
      this.renderRoot.querySelector<HTMLElement>('.log')?.focus();
    }
    void this.handleSend();
  }

  private handleInputKey(e: KeyboardEvent) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void this.handleSend();
    } else if (e.key === 'Escape') {
      // Out of the text field, the rating shortcuts work.
      this.renderRoot.querySelector<HTMLElement>('.log')?.focus();
    }
  }

  private handleFeedback(e: CustomEvent<FeedbackEventDetail>) {
    void this.feedback.apply(e.detail.promptId, e.detail.intent);
  }

  private handleSettingsChange(e: CustomEvent<SettingsChangeEventDetail>) {
    this.settings = e.detail.settings;
    this.settingsWarning = undefined;
  }

  private handleKeydown = (e: KeyboardEvent) => {
    // Only while the Chat tab shows (other tabs hide this view), and never while typing.
    if (!this.checkVisibility()) return;
    const target = e.composedPath()[0] as HTMLElement | undefined;
    if (target && (/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) || target.isContentEditable))
      return;
    if (e.key === 'Escape' && this.showHelp) {
      this.showHelp = false;
      return;
    }
    const action = shortcutFor(e);
    if (!action) return;
    e.preventDefault();
    if (action.type === 'help') {
      this.showHelp = !this.showHelp;
      return;
    }
    if (action.type === 'undo') {
      void this.feedback.undo();
      return;
    }
    const turn = [...this.turns].reverse().find((t) => t.status === 'done' && t.promptId);
    if (!turn?.promptId) return;
    const ids = turn.replies.map((r) => r.sampleId!);
    if (action.type === 'rate') {
      if (action.position >= ids.length) return;
      void this.feedback.apply(turn.promptId, {
        kind: 'rating',
        sampleId: ids[action.position],
        value: action.value,
      });
    } else if (ids.length >= 2) {
      void this.feedback.apply(turn.promptId, {
        kind: 'pairwise',
        choice: action.choice,
        shownOrder: [ids[0], ids[1]],
      });
    }
  };

  protected override updated(changed: PropertyValues<this>) {
    if (changed.has('ready') && this.ready) {
      this.renderRoot.querySelector<HTMLTextAreaElement>('textarea')?.focus();
    }
  }

  // Rendering ------------------------------------------------------------------------------

  private renderTurn(turn: Turn) {
    return html`<div class="turn" data-status=${turn.status}>
      <div class="prompt"><div class="bubble">${turn.prompt}</div></div>
      <tp-candidates .turn=${turn}></tp-candidates>
      ${turn.status === 'saving' ? html`<div class="small muted">Saving…</div>` : nothing}
      ${turn.stopped && turn.status !== 'failed' ? html`<div class="small muted">Stopped early.</div>` : nothing}
      ${
        turn.status === 'failed'
          ? html`<div class="alert" role="alert">
              <span>${turn.error}</span>
              <button class="secondary" @click=${() => this.handleRetry(turn)}>
                Edit and retry
              </button>
            </div>`
          : nothing
      }
    </div>`;
  }

  private renderEmpty() {
    return html`<div class="empty">
      <h2>Chat, then rate</h2>
      <p class="muted">
        Ask something. You get ${this.settings.candidates} replies side by side, shuffled. Rate them
        with thumbs up or down, pick the better one, rank them, or write a better reply — every
        judgement is kept in this browser and becomes training data for the reward model.
      </p>
      <div class="row">
        ${EXAMPLES.map(
          (p) => html`<button class="chip" @click=${() => (this.draft = p)}>${p}</button>`,
        )}
      </div>
    </div>`;
  }

  private renderHelp() {
    return html`<div class="help card" id="help" role="dialog" aria-label="Keyboard shortcuts">
      <div class="help-head">
        <strong>Keyboard shortcuts</strong>
        <button class="ghost" aria-label="Close shortcuts" @click=${() => (this.showHelp = false)}>
          ✕
        </button>
      </div>
      <p class="muted small">
        When the focus is in the chat but not in a text field. They act on the latest prompt.
      </p>
      <dl>
        ${SHORTCUTS.map(
          ([keys, what]) =>
            html`<dt><kbd>${keys}</kbd></dt>
              <dd>${what}</dd>`,
        )}
      </dl>
    </div>`;
  }

  override render() {
    const busy = this.busy;
    return html`
      <div class="toolbar">
        <tp-checkpoint-switcher ?disabled=${!this.ready || busy}></tp-checkpoint-switcher>
        <span class="spacer"></span>
        <button
          class="secondary"
          aria-expanded=${this.showSettings ? 'true' : 'false'}
          aria-controls="settings"
          @click=${() => (this.showSettings = !this.showSettings)}
        >
          ⚙ Settings
        </button>
        <button
          class="secondary"
          ?disabled=${busy || this.turns.length === 0}
          @click=${this.handleNewChat}
        >
          New chat
        </button>
        <button
          class="secondary"
          data-testid="help"
          aria-label="Keyboard shortcuts"
          aria-expanded=${this.showHelp ? 'true' : 'false'}
          @click=${() => (this.showHelp = !this.showHelp)}
        >
          ?
        </button>
      </div>
      ${this.settingsWarning ? html`<div class="small error" role="alert">${this.settingsWarning}</div>` : nothing}
      <div class="card" id="settings" ?hidden=${!this.showSettings}>
        <tp-settings-panel
          .settings=${this.settings}
          @tp-settings-change=${this.handleSettingsChange}
        ></tp-settings-panel>
      </div>
      ${this.showHelp ? this.renderHelp() : nothing}
      <div class="log" tabindex="-1" aria-label="Conversation" @tp-feedback=${this.handleFeedback}>
        ${
          this.turns.length === 0
            ? this.renderEmpty()
            : repeat(
                this.turns,
                (t) => t.key,
                (t) => this.renderTurn(t),
              )
        }
      </div>
      <form class="composer" @submit=${this.handleSubmit}>
        <label class="visually-hidden" for="prompt">Your message</label>
        <textarea
          id="prompt"
          data-testid="prompt-input"
          rows="2"
          placeholder=${this.ready ? 'Message the model… (Enter sends, Shift+Enter for a new line)' : 'The model is loading…'}
          .value=${this.draft}
          @input=${(e: Event) => (this.draft = (e.target as HTMLTextAreaElement).value)}
          @keydown=${this.handleInputKey}
        ></textarea>
        ${
          busy
            ? html`<button
                type="button"
                class="stop"
                data-testid="stop"
                ?disabled=${this.turns.at(-1)?.status !== 'generating'}
                @click=${this.handleStop}
              >
                ■ Stop
              </button>`
            : html`<button
                type="submit"
                data-testid="send"
                ?disabled=${!this.ready || this.draft.trim() === ''}
              >
                Send
              </button>`
        }
      </form>
      <div
        class="toast ${this.notice?.kind ?? ''}"
        data-testid="toast"
        role=${this.notice?.kind === 'error' ? 'alert' : 'status'}
        aria-live="polite"
        ?hidden=${!this.notice}
      >
        <span>${this.notice?.text}</span>
        ${
          this.notice?.kind === 'error'
            ? html`<button
                class="ghost"
                aria-label="Dismiss"
                @click=${() => (this.notice = undefined)}
              >
                ✕
              </button>`
            : nothing
        }
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'tp-chat-view': ChatView;
  }
}
