/** Recognising AWS SDK errors by name, without importing every exception class. */

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'SlowDown',
  'TooManyRequestsException',
  'LimitExceededException',
]);

export function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : undefined;
}

export function isThrottling(error: unknown): boolean {
  const name = errorName(error);
  return (name !== undefined && THROTTLING.has(name)) || (error as { $retryable?: { throttling?: boolean } })?.$retryable?.throttling === true;
}

export function isTimeout(error: unknown): boolean {
  const name = errorName(error);
  return name === 'TimeoutError' || name === 'RequestTimeout' || name === 'ECONNRESET' || name === 'ETIMEDOUT';
}

/** Jittered exponential backoff: attempt 0 waits 0–base ms, doubling up to `max`. */
export function backoff(attempt: number, base = 10, max = 500): Promise<void> {
  const ceiling = Math.min(max, base * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
