/**
 * Writes the chat's feedback to the store: one queue, so that two quick clicks are planned
 * one after the other against the feedback as stored (never twice against the same old
 * state), then the host's state is updated, 'tp-data-changed' is announced and a toast says
 * what happened. Store errors (StorageFullError, …) are shown with their own message.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { FeedbackEvent } from '../feedback/types';
import { addFeedback, deleteFeedback, undoLastFeedback, updateFeedback } from '../store/feedback';
import {
  describeEvent,
  planFeedback,
  withEvent,
  withoutEvent,
  type FeedbackIntent,
  type TurnFeedback,
} from './feedback-plan';
import { emit, services } from './services';

export type ToastKind = 'ok' | 'error';

/** What the controller needs from the element it serves. */
export interface FeedbackHost extends ReactiveControllerHost {
  /** The feedback shown for a prompt of this tab, or undefined for a prompt not shown. */
  feedbackOf(promptId: string): TurnFeedback | undefined;
  /** Replaces it; must take effect at once (the next queued write reads it). */
  setFeedback(promptId: string, feedback: TurnFeedback): void;
  /** 0-based shown place of a response, or −1. */
  positionOf(promptId: string, sampleId: string): number;
  toast(message: string, kind: ToastKind): void;
}

export class FeedbackController implements ReactiveController {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly host: FeedbackHost) {
    host.addController(this);
  }

  hostConnected(): void {}

  /** Stores what a control asked for. Resolves once written (or failed and shown). */
  apply(promptId: string, intent: FeedbackIntent): Promise<void> {
    return this.enqueue(() => this.write(promptId, intent));
  }

  /** Deletes the person's newest judgement (of any prompt, this visit or an earlier one). */
  undo(): Promise<void> {
    return this.enqueue(() => this.undoLast());
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private describe(event: FeedbackEvent): string {
    return describeEvent(event, (id) => this.host.positionOf(event.promptId, id));
  }

  private async write(promptId: string, intent: FeedbackIntent): Promise<void> {
    const current = this.host.feedbackOf(promptId);
    if (!current) return;
    const store = services().store;
    try {
      const op = planFeedback(current, promptId, intent);
      switch (op.op) {
        case 'none':
          return;
        case 'add': {
          const event = await addFeedback(store, op.input);
          this.host.setFeedback(promptId, withEvent(current, event));
          this.host.toast(`Saved: ${this.describe(event)}`, 'ok');
          break;
        }
        case 'update':
          await updateFeedback(store, op.event);
          this.host.setFeedback(promptId, withEvent(current, op.event));
          this.host.toast(`Updated: ${this.describe(op.event)}`, 'ok');
          break;
        case 'delete':
          await deleteFeedback(store, op.event.id);
          this.host.setFeedback(promptId, withoutEvent(current, op.event.id));
          this.host.toast(`Removed: ${this.describe(op.event)}`, 'ok');
          break;
      }
      emit('tp-data-changed', { reason: 'feedback' });
    } catch (err) {
      this.host.toast(err instanceof Error ? err.message : String(err), 'error');
    }
  }

  private async undoLast(): Promise<void> {
    try {
      const event = await undoLastFeedback(services().store, { synthetic: false });
      if (!event) {
        this.host.toast('Nothing to undo.', 'ok');
        return;
      }
      const current = this.host.feedbackOf(event.promptId);
      if (current) this.host.setFeedback(event.promptId, withoutEvent(current, event.id));
      emit('tp-data-changed', { reason: 'undo' });
      this.host.toast(`Undone: ${this.describe(event)}`, 'ok');
    } catch (err) {
      this.host.toast(err instanceof Error ? err.message : String(err), 'error');
    }
  }
}
