/** Small pieces every page uses: loading a resource, showing a refusal, formatting times. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api';

export interface Loaded<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when `key` changes or on reload(); a failure is kept as an ApiError, never thrown. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState({ error: asApiError(error), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  return { ...state, reload: useCallback(() => setTick((t) => t + 1), []) };
}

/**
 * Reloads `loaded` every `ms` while `active` says something is still moving (a job running);
 * stops by itself once nothing is, and when the page is left.
 */
export function usePoll<T>(loaded: Loaded<T>, active: (data: T) => boolean, ms = 1500): boolean {
  const moving = loaded.data !== undefined && !loaded.error && active(loaded.data);
  useEffect(() => {
    if (!moving || loaded.loading) return;
    const timer = setTimeout(loaded.reload, ms);
    return () => clearTimeout(timer);
  }, [moving, loaded.loading, loaded.data]);
  return moving;
}

/** Anything thrown, as something the page can show: the API's message, never a stack. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, 'ConsoleError', error instanceof Error ? error.message : String(error));
}

export function ErrorBox({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <div class="error" role="alert">
      <strong>{error.code}</strong>
      {error.status ? ` (${error.status})` : ''}: <span class="error-message">{error.message}</span>
      {error.field ? <span class="field"> — field {error.field}</span> : null}
    </div>
  );
}

export function Section({ title, children, id }: { title: string; children: ComponentChildren; id?: string }) {
  return (
    <section aria-labelledby={id ? `${id}-h` : undefined} id={id}>
      <h2 id={id ? `${id}-h` : undefined}>{title}</h2>
      {children}
    </section>
  );
}

export function Loading<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.error) return <ErrorBox error={loaded.error} />;
  if (loaded.data === undefined) return <p class="muted">Loading…</p>;
  return <>{children(loaded.data)}</>;
}

/** `1234` ms as "1.23 s"; null as "—" (not measured). */
export function seconds(ms: number | null | undefined): string {
  return ms == null ? '—' : `${(ms / 1000).toFixed(2)} s`;
}

export function when(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
