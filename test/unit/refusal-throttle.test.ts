/** functions/http/refusal-throttle.ts on a fixed clock: 429 past the limit, Retry-After to the window's end. */
import { RefusalThrottle } from '../../functions/http/refusal-throttle';

it('lets a principal through until refused `limit` times this minute, then says how long to wait', () => {
  let now = Date.parse('2026-12-01T10:00:15.000Z');
  const throttle = new RefusalThrottle(3, () => now);
  for (let i = 0; i < 3; i++) {
    expect(throttle.retryAfter('pest')).toBeUndefined();
    throttle.refused('pest');
  }
  expect(throttle.retryAfter('pest')).toEqual({ seconds: 45, first: true });
  expect(throttle.retryAfter('pest')).toEqual({ seconds: 45, first: false }); // logged once per window
  expect(throttle.retryAfter('someone-else')).toBeUndefined();
  now = Date.parse('2026-12-01T10:01:00.000Z'); // the next window forgets
  expect(throttle.retryAfter('pest')).toBeUndefined();
});
