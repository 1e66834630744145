/**
 * Errors from the store, each saying what was being done, in which object store, for which id.
 * IndexedDB's own rejections ("AbortError", "ConstraintError") say none of that.
 */

export type StoreErrorCode =
  'not-found' | 'invalid' | 'conflict' | 'storage-full' | 'version' | 'closed' | 'failed';

export interface StoreErrorContext {
  /** What was being done, as a verb phrase: "save candidates", "delete prompt". */
  operation: string;
  /** The object store(s) involved. */
  stores: readonly string[];
  id?: string;
}

export class StoreError extends Error {
  override name = 'StoreError';
  readonly code: StoreErrorCode;
  readonly context: StoreErrorContext;

  constructor(code: StoreErrorCode, message: string, context: StoreErrorContext, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.context = context;
  }
}

/**
 * The browser refused to store more. Writes are single transactions, so nothing of the failed
 * write remains.
 */
export class StorageFullError extends StoreError {
  override name = 'StorageFullError';

  constructor(context: StoreErrorContext, cause?: unknown) {
    super(
      'storage-full',
      `Storage is full: could not ${context.operation} (${where(context)}); nothing was written. ` +
        'Free space by deleting old checkpoints or runs, or allow persistent storage.',
      context,
      cause,
    );
  }
}

export function where(context: StoreErrorContext): string {
  const stores = context.stores.map((s) => `"${s}"`).join(', ');
  const id = context.id === undefined ? '' : `, id "${context.id}"`;
  return `${context.stores.length > 1 ? 'stores' : 'store'} ${stores}${id}`;
}

/** True for a quota error on a request, or on the transaction it aborted. */
export function isQuotaError(err: unknown, tx?: { error: DOMException | null }): boolean {
  const name = (e: unknown) => (e instanceof Error || e instanceof DOMException ? e.name : '');
  return name(err) === 'QuotaExceededError' || name(tx?.error) === 'QuotaExceededError';
}

/** Wraps any failure in a StoreError with context; StoreErrors pass through unchanged. */
export function toStoreError(
  err: unknown,
  context: StoreErrorContext,
  tx?: { error: DOMException | null },
): StoreError {
  if (err instanceof StoreError) return err;
  if (isQuotaError(err, tx)) return new StorageFullError(context, tx?.error ?? err);
  const cause = tx?.error ?? err;
  const detail =
    cause instanceof Error || cause instanceof DOMException
      ? `${cause.name}: ${cause.message}`
      : String(cause);
  return new StoreError(
    'failed',
    `Could not ${context.operation} (${where(context)}): ${detail}`,
    context,
    cause,
  );
}

export function notFound(what: string, id: string, context: StoreErrorContext): StoreError {
  return new StoreError('not-found', `Could not ${context.operation}: ${what} "${id}" not found`, {
    ...context,
    id,
  });
}

export function invalid(message: string, context: StoreErrorContext, cause?: unknown): StoreError {
  return new StoreError('invalid', `Could not ${context.operation}: ${message}`, context, cause);
}
