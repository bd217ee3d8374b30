/**
 * The fault suite's figures: each fault suite (the proxy tests, store-faults, kill -9, the
 * soak, the API fuzzer) writes what it measured to one JSON file per suite under FIGURES_DIR,
 * and `scripts/fault-figures.ts` prints them as one table at the end of `npm run test:faults`
 * (which empties the directory first, so the table shows only this run).
 *
 * One line per suite, in its `afterAll`:
 *
 * @example recordFigures('fuzz', { requests: 2400, serverErrors: 0, rejectedWrites: 0 })
 *
 * A figure a suite does not measure is left out and printed as "–", never as 0: a 0 in the
 * table is a count that was taken.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** `<repo>/.rewind-faults/` (git-ignored), or REWIND_FAULT_FIGURES_DIR. Per checkout, so parallel runs on one machine do not mix. */
export const FIGURES_DIR = process.env.REWIND_FAULT_FIGURES_DIR ?? join(__dirname, '..', '..', '.rewind-faults');

export interface Figures {
  /** HTTP requests the suite sent to the Rewind API. */
  requests?: number;
  /** Store (DynamoDB / S3) requests that went through a fault proxy. */
  storeRequests?: number;
  /** Faults injected, by kind: the proxy's delay / drop / reset / throttle, `kill9` for a SIGKILL of the runtime. */
  faults?: Record<string, number>;
  /** Reads checked against the exact values they should have served. */
  checkedReads?: number;
  /** Reads served by a pointer state older than the staleness bound allows. */
  staleReads?: number;
  /** Responses with found:false for an entity that exists in the version that served it. */
  notFound?: number;
  /** 5xx answers other than 503 (a 503 StoreUnavailable is the documented answer to a store fault). */
  serverErrors?: number;
  /** 503 answers (expected only while faults are injected). */
  unavailable?: number;
  /** Rejected (4xx) requests that nevertheless wrote something. */
  rejectedWrites?: number;
  /** How long the suite ran. */
  durationMs?: number;
  /** Anything else worth a line under the table (e.g. "finding 1 reproduced"). */
  notes?: string[];
}

export interface RecordedFigures extends Figures {
  suite: string;
  recordedAt: string;
}

const fileOf = (suite: string) => join(FIGURES_DIR, `${suite.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);

/** Writes (replaces) the suite's figures. Never throws: figures must not fail a suite that passed. */
export function recordFigures(suite: string, figures: Figures): void {
  try {
    mkdirSync(FIGURES_DIR, { recursive: true });
    const recorded: RecordedFigures = { suite, recordedAt: new Date().toISOString(), ...figures };
    writeFileSync(fileOf(suite), `${JSON.stringify(recorded, null, 2)}\n`);
  } catch (error) {
    console.warn(`fault figures: could not record ${suite}: ${(error as Error).message}`);
  }
}

/** Every suite's figures recorded so far, in suite order. */
export function readFigures(dir = FIGURES_DIR): RecordedFigures[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names
    .map((n) => JSON.parse(readFileSync(join(dir, n), 'utf8')) as RecordedFigures)
    .sort((a, b) => a.suite.localeCompare(b.suite));
}

/** Empties the directory: the start of a run. */
export function clearFigures(dir = FIGURES_DIR): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Adds the proxy's counters (or any per-kind counts) into `into`, keeping only the kinds that happened. */
export function addFaults(into: Record<string, number>, counts: object, kinds: readonly string[] = ['delay', 'drop', 'reset', 'throttle']): Record<string, number> {
  for (const kind of kinds) {
    const n = (counts as Record<string, number | undefined>)[kind] ?? 0;
    if (n > 0) into[kind] = (into[kind] ?? 0) + n;
  }
  return into;
}

/**
 * Counts what a suite's HTTP callers get back, by watching `fetch` in this process for URLs
 * under `base()`: it passes every call through unchanged (it is an observer, not a mock), and
 * `stop()` puts the original back. Requests that die with the connection (a killed runtime)
 * count as `failed`.
 */
export function watchApiTraffic(base: () => string | undefined) {
  const original = globalThis.fetch;
  const traffic = { requests: 0, serverErrors: 0, unavailable: 0, failed: 0, byStatus: {} as Record<number, number> };
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const prefix = base();
    if (!prefix || !url.startsWith(prefix)) return original(input, init);
    traffic.requests += 1;
    try {
      const res = await original(input, init);
      traffic.byStatus[res.status] = (traffic.byStatus[res.status] ?? 0) + 1;
      if (res.status === 503) traffic.unavailable += 1;
      else if (res.status >= 500) traffic.serverErrors += 1;
      return res;
    } catch (error) {
      traffic.failed += 1;
      throw error;
    }
  };
  return { traffic, stop: () => void (globalThis.fetch = original) };
}
