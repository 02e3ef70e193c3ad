import { DriftspecAbortError } from './errors.js';
import type { AbortSignalLike } from './schemas.js';

/** The caller's signal as the fleet executor's interrupt; `release` stops listening to it. */
export interface LinkedAbort {
  interrupt: AbortSignal;
  /** Throws the AbortError when the caller aborted. */
  throwIfAborted(): void;
  release(): void;
}

export function linkAbort(operation: string, signal: AbortSignalLike | undefined): LinkedAbort {
  const controller = new AbortController();
  const abort = () => controller.abort(signal?.reason);
  const throwIfAborted = () => {
    if (signal?.aborted) throw new DriftspecAbortError(operation, signal.reason);
  };
  throwIfAborted();
  signal?.addEventListener('abort', abort, { once: true });
  return {
    interrupt: controller.signal,
    throwIfAborted,
    release: () => signal?.removeEventListener('abort', abort),
  };
}
