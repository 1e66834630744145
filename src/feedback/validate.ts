/**
 * Shape checks for prompts, samples and feedback events, run before anything is stored. Each
 * throws a {@link FeedbackValidationError} naming the field and what it must be, so a caller's
 * mistake shows up at once instead of as odd training data later.
 */
import {
  FEEDBACK_KINDS,
  RATING_REASONS,
  type FeedbackEvent,
  type PromptRecord,
  type SampleRecord,
} from './types';

export class FeedbackValidationError extends Error {
  override name = 'FeedbackValidationError';
}

function fail(what: string, field: string, must: string): never {
  throw new FeedbackValidationError(`${what}: field "${field}" ${must}`);
}

function requireId(what: string, record: object, field: string): void {
  const value = (record as Record<string, unknown>)[field];
  if (typeof value !== 'string' || value === '') fail(what, field, 'must be a non-empty string');
}

function requireTime(what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    fail(what, 'createdAt', 'must be a time in milliseconds');
  }
}

export function validatePrompt(prompt: PromptRecord): void {
  const what = `prompt ${prompt.id}`;
  requireId(what, prompt, 'id');
  requireId(what, prompt, 'conversationId');
  requireTime(what, prompt.createdAt);
  if (typeof prompt.text !== 'string') fail(what, 'text', 'must be a string');
  if (!['user', 'import', 'simulated'].includes(prompt.source)) {
    fail(what, 'source', 'must be "user", "import" or "simulated"');
  }
  if (!Array.isArray(prompt.messages)) fail(what, 'messages', 'must be a list (empty for text)');
  const last = prompt.messages[prompt.messages.length - 1];
  if (last && (last.role !== 'user' || last.content !== prompt.text)) {
    fail(what, 'messages', 'must end with the user turn whose content is the prompt text');
  }
}

export function validateSample(sample: SampleRecord): void {
  const what = `sample ${sample.id}`;
  requireId(what, sample, 'id');
  requireId(what, sample, 'promptId');
  requireId(what, sample, 'checkpointId');
  requireTime(what, sample.createdAt);
  if (typeof sample.text !== 'string') fail(what, 'text', 'must be a string');
  if (!Array.isArray(sample.tokenIds) || !sample.tokenIds.every(Number.isInteger)) {
    fail(what, 'tokenIds', 'must be a list of whole numbers');
  }
  if (!Number.isInteger(sample.shownPosition) || sample.shownPosition < 0) {
    fail(what, 'shownPosition', 'must be a whole number ≥ 0');
  }
}

export function validateFeedback(event: FeedbackEvent): void {
  const what = `${event.kind ?? 'feedback'} ${event.id}`;
  requireId(what, event, 'id');
  requireId(what, event, 'promptId');
  requireTime(what, event.createdAt);
  if (typeof event.synthetic !== 'boolean') fail(what, 'synthetic', 'must be true or false');
  if (!FEEDBACK_KINDS.includes(event.kind)) {
    fail(what, 'kind', `must be one of ${FEEDBACK_KINDS.join(', ')}`);
  }
  switch (event.kind) {
    case 'rating':
      requireId(what, event, 'sampleId');
      if (event.value !== 1 && event.value !== -1) fail(what, 'value', 'must be 1 or -1');
      if (
        !Array.isArray(event.reasons) ||
        !event.reasons.every((r) => RATING_REASONS.includes(r)) ||
        new Set(event.reasons).size !== event.reasons.length
      ) {
        fail(what, 'reasons', `must list distinct reasons from ${RATING_REASONS.join(', ')}`);
      }
      return;
    case 'ranking':
      if (
        !Array.isArray(event.order) ||
        event.order.length < 2 ||
        new Set(event.order).size !== event.order.length
      ) {
        fail(what, 'order', 'must list at least 2 distinct sample ids, best first');
      }
      return;
    case 'pairwise': {
      requireId(what, event, 'a');
      requireId(what, event, 'b');
      if (event.a === event.b) fail(what, 'b', 'must differ from "a"');
      if (!['a', 'b', 'tie', 'both-bad'].includes(event.choice)) {
        fail(what, 'choice', 'must be "a", "b", "tie" or "both-bad"');
      }
      const [left, right] = event.shownOrder ?? [];
      const shown = new Set([left, right]);
      if (shown.size !== 2 || !shown.has(event.a) || !shown.has(event.b)) {
        fail(what, 'shownOrder', 'must hold "a" and "b" in the order they were shown');
      }
      if (event.group !== undefined && (typeof event.group !== 'string' || event.group === '')) {
        fail(what, 'group', 'must be a non-empty string when set');
      }
      return;
    }
    case 'demonstration':
      if (typeof event.text !== 'string' || event.text.trim() === '') {
        fail(what, 'text', 'must be a non-empty string');
      }
      return;
  }
}
