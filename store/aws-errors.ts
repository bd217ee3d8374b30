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

/**
 * Socket-level faults, as Node reports them: in `code` (ECONNRESET, ECONNREFUSED…), while the
 * error's `name` stays 'Error'. The SDK passes them through after its own retries.
 */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** The SDK's own names for a request that took too long (requestTimeout, connectionTimeout). */
const TIMEOUT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/** The store could not be reached or did not answer in time: the client should retry shortly. */
export function isTimeout(error: unknown): boolean {
  const name = errorName(error);
  const code = errorCode(error);
  if ((name !== undefined && (TIMEOUT_NAMES.has(name) || TRANSIENT_NETWORK_CODES.has(name))) || (code !== undefined && TRANSIENT_NETWORK_CODES.has(code))) return true;
  // The SDK's retry middleware re-wraps a socket error that is not `instanceof Error` in this
  // realm (Node's own errors inside a vm context such as jest's) as a bare Error whose message
  // is all that is left of its name and code: "AWS SDK error wrapper for TimeoutError: socket
  // hang up", "… for Error: connect ECONNREFUSED 127.0.0.1:8000".
  const message = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  const wrapped = typeof message === 'string' ? /^AWS SDK error wrapper for (\w+): (.*)$/s.exec(message) : null;
  if (wrapped && (TIMEOUT_NAMES.has(wrapped[1]!) || [...TRANSIENT_NETWORK_CODES].some((c) => new RegExp(`\\b${c}\\b`).test(wrapped[2]!)))) return true;
  // Some layers wrap the socket error; its cause carries the code.
  const cause = typeof error === 'object' && error !== null ? (error as { cause?: unknown }).cause : undefined;
  return cause !== undefined && cause !== error && isTimeout(cause);
}

/** Jittered exponential backoff: attempt 0 waits 0–base ms, doubling up to `max`. */
export function backoff(attempt: number, base = 10, max = 500): Promise<void> {
  const ceiling = Math.min(max, base * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
