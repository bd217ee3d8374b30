/**
 * False rollbacks under no change, and how fast a real fault is caught, for the drift
 * monitor's default policy: a simulation with fixed seeds (mulberry32, never Math.random), run
 * through the SAME code the monitor runs (core/validation/profiles → core/stats/noise
 * `viewDrift` → the policy's thresholds), so a change to the statistics shows up here.
 *
 * The model:
 *  - Population: `population` entities (default 20,000) of a healthy version with 5 numeric
 *    features (a normal float; a log-normal amount with 15 % zeros; a Poisson count, int, heavy
 *    ties; an int age 18–79 with 3 % nulls; an exponential float) and 5 categorical ones of 21
 *    categories each with Zipf frequencies (s = 0.6 … 1.5, the top category 12–48 %; one with
 *    2 % nulls). The baseline is the population's own profile (m = population), as for a
 *    version monitored against its own snapshot; its numeric histograms are the 10 quantile
 *    bins preflight stores, its categorical profiles the top 20 + "other" = 21 cells.
 *  - Traffic: Poisson arrivals at `rps`; each request is for an entity drawn uniformly, with
 *    replacement, from the population (so under no change the served sample IS a sample of
 *    the baseline; traffic skewed towards some entities is issue 15 finding 3, not modelled).
 *  - Serving sample: as core/sampling.ts, a uniform reservoir of at most 200 rows per 20 s
 *    flush (one writer); a batch belongs to the monitor window that contains its end.
 *  - Monitor: non-overlapping windows of `periodSeconds` (core/validation/window.ts); a window
 *    with fewer than `minSamples` rows publishes nothing (missing, not breaching); otherwise a
 *    datapoint per alarmed statistic: the view's maximum of the noise-corrected figure.
 *  - Alarm: per statistic, `datapointsToAlarm` of the last `evaluationPeriods` datapoints
 *    above `alarmAbove`; each OK → ALARM transition is a rollback (under no change, a false one).
 *    What AWS adds after the datapoint (EMF ingestion, alarm evaluation, EventBridge, the
 *    rollback) is not modelled: detection delay = fault → end of the window whose datapoint
 *    completed the M of N.
 *  - Detection: the demo's own data. The population is examples/user_profile.v1.csv (the
 *    baseline, as the faulty version's preflight baseline), healthy traffic serves it, and
 *    from a fault instant at a random phase of a period the same entities are served with
 *    their examples/user_profile.v2-faulty.jsonl values (amounts in cents, refunds counted
 *    twice, nulls for users without orders) — the shift the demo deploys, measured from the files.
 *
 * The false-rollback rate is reported three ways: observed over the simulated view-hours
 * (with its 95 % upper bound when 0 were seen: 3/hours, the "rule of three"); and from the
 * per-datapoint breach rate p of each statistic, which with independent datapoints gives
 * C(N, M)·p^M per evaluation (the simulated hours cannot observe rates far below 1 per
 * 1,000 h directly).
 *
 * Called by bench/run.ts as `benchFalseRollbacks()`; standalone: `npx tsx bench/false-rollbacks.ts`
 * (options as JSON in BENCH_FALSE_ROLLBACKS_OPTIONS, e.g. '{"viewHours": 100}').
 */
import { join } from 'node:path';
import { readDataFile } from '../cli/data-file';
import { loadViewFile } from '../cli/view-file';
import type { FeatureType, FeatureValue } from '../core/model';
import { viewDrift, type NoiseCheck } from '../core/stats/noise';
import type { FeatureProfile } from '../core/stats/profile';
import { MONITOR_CHECKS, resolvePolicy, type MonitorPolicy, type ValidationPolicy } from '../core/validation/tolerances';
import { profileRecords, SERVED_SAMPLE_PROFILE } from '../core/validation/profiles';
import { mulberry32 } from './stats';

type Row = Record<string, FeatureValue>;
interface Feature {
  name: string;
  type: FeatureType;
}

export interface FalseRollbackOptions {
  /** Simulated hours per request rate (default 1,000). */
  viewHours?: number;
  /** Request rates, per second (default 0.5, 5, 50). */
  rates?: number[];
  seed?: number;
  /** Entities of the synthetic population (default 20,000). */
  population?: number;
  /** Overrides of the default monitor policy (as a deploy's `validation.monitor`). */
  monitor?: ValidationPolicy['monitor'];
  /** Fault trials per rate for the detection delay (default 20). */
  detectionTrials?: number;
  /** Periods after the fault before a trial counts as undetected (default 30). */
  detectionHorizonPeriods?: number;
  /** Healthy 100-row windows for the raw-statistics figure (default 2,000). */
  rawWindows?: number;
}

export interface RateFigures {
  requestsPerSecond: number;
  periodSeconds: number;
  viewHours: number;
  /** Windows simulated, and those with at least minSamples rows (published). */
  windows: number;
  published: number;
  medianSamplesPerWindow: number;
  /** Published datapoints above the threshold, per statistic: noise-corrected (what alarms see) and raw (the old figure). */
  breaching: Partial<Record<NoiseCheck, number>>;
  rawBreaching: Partial<Record<NoiseCheck, number>>;
  falseRollbacks: number;
  falseRollbacksPer1000ViewHours: number;
  /** 95 % upper bound of that rate when nothing was seen (rule of three), else the observed rate. */
  upperBoundPer1000ViewHours: number;
  /** From the per-datapoint breach rates, assuming independent datapoints. */
  modelPer1000ViewHours: number;
  /**
   * An upper bound from the simulated hours: the rate at which datapoints breached on ANY
   * statistic, at its 95 % upper bound (3/windows when none did), put through the M of N —
   * any alarm firing needs that many breaching datapoints. 0 when nothing was published (no
   * datapoint, no alarm). This is what the hours can vouch for below the observable range.
   */
  modelUpperBoundPer1000ViewHours: number;
}

export interface DetectionFigures {
  requestsPerSecond: number;
  periodSeconds: number;
  trials: number;
  detected: number;
  /** Seconds from the fault to the alarm; null when no trial was detected. */
  medianDelaySeconds: number | null;
  maxDelaySeconds: number | null;
  /** Which statistic's alarm fired first, per detected trial. */
  firedBy: Partial<Record<NoiseCheck, number>>;
  falseAlarmsBeforeFault: number;
}

export interface FalseRollbackFigures {
  seed: number;
  monitor: Pick<MonitorPolicy, 'alarmAbove' | 'periodSeconds' | 'evaluationPeriods' | 'datapointsToAlarm' | 'minSamples' | 'falsePositiveRate'>;
  /** Issue 15's finding, reproduced: raw statistics over healthy windows of exactly 100 rows. */
  rawAt100Samples: { windows: number; jsAbove02: number; psiAbove025: number; maxPsiAbove025: number };
  rates: RateFigures[];
  /** What the demo's faulty v2 shifts, per feature (raw statistics, v2 file against v1 file). */
  demoShift: Record<string, { psi?: number; ks?: number; js?: number; nullRateIncrease: number }>;
  detection: DetectionFigures[];
  /**
   * A view at 0.5 requests/s never fills a 60 s window to minSamples: the same figures with
   * the period the docs recommend for it (600 s).
   */
  lowTraffic: { rates: RateFigures; detection: DetectionFigures };
  target: { falseRollbacksPer1000ViewHours: number };
}

const FLUSH_SECONDS = 20;
const CAPACITY = 200;


function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Poisson(λ): Knuth's product method for small λ, a rounded normal above 30 (error ≪ the sampler's cap). */
function poisson(rand: () => number, lambda: number): number {
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(rand)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = rand();
  while (p > limit) {
    k++;
    p *= rand();
  }
  return k;
}

function zipfTable(categories: number, s: number): number[] {
  const w = Array.from({ length: categories }, (_, i) => 1 / Math.pow(i + 1, s));
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  return w.map((x) => (acc += x / total));
}

function pick(cdf: readonly number[], u: number): number {
  let i = 0;
  while (i < cdf.length - 1 && u > cdf[i]!) i++;
  return i;
}

/** The synthetic healthy population (see the module comment). */
export function syntheticPopulation(size: number, seed: number): { features: Feature[]; rows: Row[] } {
  const rand = mulberry32(seed);
  const skews = [0.6, 0.8, 1.0, 1.2, 1.5];
  const tables = skews.map((s) => zipfTable(21, s));
  const features: Feature[] = [
    { name: 'session_minutes', type: 'float' },
    { name: 'basket_eur', type: 'float' },
    { name: 'orders_30d', type: 'int' },
    { name: 'age', type: 'int' },
    { name: 'tenure_days', type: 'float' },
    ...skews.map((_, i) => ({ name: `segment_${i + 1}`, type: 'string' as const })),
  ];
  const rows: Row[] = [];
  for (let e = 0; e < size; e++) {
    const row: Row = {
      session_minutes: 30 + 8 * normal(rand),
      basket_eur: rand() < 0.15 ? 0 : Math.round(Math.exp(3 + 0.6 * normal(rand)) * 100) / 100,
      orders_30d: poisson(rand, 3),
      age: rand() < 0.03 ? null : 18 + Math.floor(rand() * 62),
      tenure_days: -400 * Math.log(1 - rand()),
    };
    tables.forEach((t, i) => {
      row[`segment_${i + 1}`] = i === 1 && rand() < 0.02 ? null : `c${String(pick(t, rand())).padStart(2, '0')}`;
    });
    rows.push(row);
  }
  return { features, rows };
}

interface AlarmState {
  recent: boolean[];
  alarm: boolean;
}

/** Feeds one datapoint (or a missing one) to each statistic's M-of-N alarm; returns the statistics that went OK → ALARM. */
function evaluate(alarms: Map<NoiseCheck, AlarmState>, breaching: ReadonlySet<NoiseCheck> | undefined, monitor: MonitorPolicy): NoiseCheck[] {
  const fired: NoiseCheck[] = [];
  for (const [check, state] of alarms) {
    // Missing data is "not breaching", as the alarms are configured (treatMissingData).
    state.recent.push(breaching?.has(check) ?? false);
    if (state.recent.length > monitor.evaluationPeriods) state.recent.shift();
    const count = state.recent.filter(Boolean).length;
    if (!state.alarm && count >= monitor.datapointsToAlarm) {
      state.alarm = true;
      fired.push(check);
    } else if (state.alarm && count < monitor.datapointsToAlarm) state.alarm = false;
  }
  return fired;
}

function alarmedChecks(monitor: MonitorPolicy): NoiseCheck[] {
  return MONITOR_CHECKS.filter((c) => monitor.alarmAbove[c] != null);
}

function newAlarms(monitor: MonitorPolicy): Map<NoiseCheck, AlarmState> {
  return new Map(alarmedChecks(monitor).map((c) => [c, { recent: [], alarm: false }]));
}

/** One window's datapoint: the statistics whose noise-corrected view maximum is above its threshold (and the raw ones). */
function measure(features: Feature[], baseline: Record<string, FeatureProfile>, rows: Row[], monitor: MonitorPolicy) {
  const alarmed = alarmedChecks(monitor);
  const drift = viewDrift(features, baseline, profileRecords({ features }, rows, SERVED_SAMPLE_PROFILE), { alarmed, falsePositiveRate: monitor.falsePositiveRate });
  const breaching = new Set<NoiseCheck>();
  const raw = new Set<NoiseCheck>();
  for (const c of alarmed) {
    const threshold = monitor.alarmAbove[c]!;
    if ((drift.maxCorrected[c] ?? 0) > threshold) breaching.add(c);
    if ((drift.max[c] ?? 0) > threshold) raw.add(c);
  }
  return { breaching, raw };
}

/** Rows of one flush interval: min(requests, capacity) uniform draws (the reservoir's uniform subset). */
function flushRows(rand: () => number, rps: number, population: readonly Row[]): Row[] {
  const requests = poisson(rand, rps * FLUSH_SECONDS);
  const kept = Math.min(requests, CAPACITY);
  const out: Row[] = new Array(kept);
  for (let i = 0; i < kept; i++) out[i] = population[Math.floor(rand() * population.length)]!;
  return out;
}

function simulateRate(rps: number, hours: number, features: Feature[], population: Row[], baseline: Record<string, FeatureProfile>, monitor: MonitorPolicy, seed: number): RateFigures {
  const rand = mulberry32(seed);
  const windows = Math.round((hours * 3600) / monitor.periodSeconds);
  const flushes = Math.max(1, Math.round(monitor.periodSeconds / FLUSH_SECONDS));
  const alarms = newAlarms(monitor);
  const breaching: Partial<Record<NoiseCheck, number>> = {};
  const rawBreaching: Partial<Record<NoiseCheck, number>> = {};
  for (const c of alarms.keys()) breaching[c] = rawBreaching[c] = 0;
  const sizes: number[] = [];
  let published = 0;
  let anyBreaching = 0;
  let falseRollbacks = 0;
  for (let w = 0; w < windows; w++) {
    const rows: Row[] = [];
    for (let f = 0; f < flushes; f++) rows.push(...flushRows(rand, rps, population));
    sizes.push(rows.length);
    let datapoint: Set<NoiseCheck> | undefined;
    if (rows.length >= monitor.minSamples) {
      published++;
      const m = measure(features, baseline, rows, monitor);
      datapoint = m.breaching;
      if (m.breaching.size > 0) anyBreaching++;
      for (const c of m.breaching) breaching[c]!++;
      for (const c of m.raw) rawBreaching[c]!++;
    }
    falseRollbacks += evaluate(alarms, datapoint, monitor).length;
  }
  const perEvaluation = [...alarms.keys()].reduce((sum, c) => sum + mOfNRate((breaching[c] ?? 0) / windows, monitor), 0);
  const upper = published === 0 ? 0 : mOfNRate(Math.min(1, Math.max(anyBreaching, 3) / windows), monitor);
  const per1000 = (falseRollbacks / hours) * 1000;
  return {
    requestsPerSecond: rps,
    periodSeconds: monitor.periodSeconds,
    viewHours: hours,
    windows,
    published,
    medianSamplesPerWindow: median(sizes),
    breaching,
    rawBreaching,
    falseRollbacks,
    falseRollbacksPer1000ViewHours: round(per1000),
    upperBoundPer1000ViewHours: round(falseRollbacks === 0 ? (3 / hours) * 1000 : per1000),
    modelPer1000ViewHours: round(perEvaluation * (3600 / monitor.periodSeconds) * 1000),
    modelUpperBoundPer1000ViewHours: round(upper * (3600 / monitor.periodSeconds) * 1000),
  };
}

/** P(at least M of N independent datapoints breach) at per-datapoint rate p. */
function mOfNRate(p: number, monitor: MonitorPolicy): number {
  const n = monitor.evaluationPeriods;
  let total = 0;
  for (let k = monitor.datapointsToAlarm; k <= n; k++) total += binomial(n, k) * Math.pow(p, k) * Math.pow(1 - p, n - k);
  return total;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

/** One fault trial on the demo data: healthy v1 traffic, then v2 from `faultAt` seconds. */
function detectOnce(rand: () => number, rps: number, features: Feature[], v1: Row[], v2: Row[], baseline: Record<string, FeatureProfile>, monitor: MonitorPolicy, faultAt: number, horizonWindows: number) {
  const alarms = newAlarms(monitor);
  const flushes = Math.max(1, Math.round(monitor.periodSeconds / FLUSH_SECONDS));
  let falseAlarms = 0;
  for (let w = 0; ; w++) {
    const windowEnd = (w + 1) * monitor.periodSeconds;
    if (windowEnd > faultAt + horizonWindows * monitor.periodSeconds) return { delay: null, firedBy: undefined, falseAlarms };
    const rows: Row[] = [];
    for (let f = 0; f < flushes; f++) {
      const start = w * monitor.periodSeconds + f * FLUSH_SECONDS;
      const requests = poisson(rand, rps * FLUSH_SECONDS);
      const kept = Math.min(requests, CAPACITY);
      for (let i = 0; i < kept; i++) {
        // A uniform subset of the interval's requests: each at a uniform time in the interval.
        const at = start + rand() * FLUSH_SECONDS;
        const entity = Math.floor(rand() * v1.length);
        rows.push((at < faultAt ? v1 : v2)[entity]!);
      }
    }
    const datapoint = rows.length >= monitor.minSamples ? measure(features, baseline, rows, monitor).breaching : undefined;
    const fired = evaluate(alarms, datapoint, monitor);
    if (fired.length === 0) continue;
    if (windowEnd <= faultAt) {
      falseAlarms += fired.length;
      continue;
    }
    return { delay: windowEnd - faultAt, firedBy: fired[0], falseAlarms };
  }
}

async function demoData(): Promise<{ features: Feature[]; v1: Row[]; v2: Row[] }> {
  const examples = join(__dirname, '..', 'examples');
  const { spec } = await loadViewFile(join(examples, 'user_profile.view.yaml'));
  const definition = spec.definition;
  const features = definition.features.map((f) => ({ name: f.name, type: f.type }));
  const toRows = (records: Record<string, unknown>[]) => {
    const byEntity = new Map<string, Row>();
    for (const r of records) {
      const row: Row = {};
      for (const f of features) row[f.name] = (r[f.name] ?? null) as FeatureValue;
      byEntity.set(String(r[definition.entity]), row);
    }
    return byEntity;
  };
  const v1 = toRows((await readDataFile(join(examples, 'user_profile.v1.csv'), definition)).records);
  const v2 = toRows((await readDataFile(join(examples, 'user_profile.v2-faulty.jsonl'), definition)).records);
  // Entity by entity: the fault is what the same users are served instead.
  const entities = [...v1.keys()].filter((e) => v2.has(e));
  return { features, v1: entities.map((e) => v1.get(e)!), v2: entities.map((e) => v2.get(e)!) };
}

/**
 * Run the simulation; figures as described in the module comment.
 *
 * @example
 * const figures = await benchFalseRollbacks({ viewHours: 1000 });
 * figures.rates.map((r) => r.falseRollbacksPer1000ViewHours) // [0, 0, 0]
 */
export async function benchFalseRollbacks(options: FalseRollbackOptions = {}): Promise<FalseRollbackFigures> {
  const seed = options.seed ?? 20_251_201;
  const hours = options.viewHours ?? 1000;
  const rates = options.rates ?? [0.5, 5, 50];
  const monitor = resolvePolicy({ monitor: options.monitor ?? {} }).monitor;

  const { features, rows: population } = syntheticPopulation(options.population ?? 20_000, seed);
  const baseline = profileRecords({ features }, population);

  // The finding as filed: raw statistics on healthy windows of exactly 100 rows.
  const rand = mulberry32(seed + 1);
  const at100 = { windows: options.rawWindows ?? 2000, jsAbove02: 0, psiAbove025: 0, maxPsiAbove025: 0 };
  for (let w = 0; w < at100.windows; w++) {
    const rows = Array.from({ length: 100 }, () => population[Math.floor(rand() * population.length)]!);
    const drift = viewDrift(features, baseline, profileRecords({ features }, rows, SERVED_SAMPLE_PROFILE), { alarmed: ['psi', 'js'], falsePositiveRate: monitor.falsePositiveRate });
    if ((drift.features['segment_1']?.js ?? 0) > 0.2) at100.jsAbove02++;
    if ((drift.features['session_minutes']?.psi ?? 0) > 0.25) at100.psiAbove025++;
    if ((drift.max.psi ?? 0) > 0.25) at100.maxPsiAbove025++;
  }

  const rateFigures = rates.map((rps, i) => simulateRate(rps, hours, features, population, baseline, monitor, seed + 100 + i));

  const demo = await demoData();
  const demoBaseline = profileRecords(demo, demo.v1);
  const shift = viewDrift(demo.features, demoBaseline, profileRecords(demo, demo.v2, SERVED_SAMPLE_PROFILE), { alarmed: ['psi', 'ks', 'js', 'nullRateIncrease'], falsePositiveRate: monitor.falsePositiveRate });
  const demoShift: FalseRollbackFigures['demoShift'] = {};
  for (const [name, d] of Object.entries(shift.features)) {
    demoShift[name] = { ...(d.psi !== undefined ? { psi: round(d.psi) } : {}), ...(d.ks !== undefined ? { ks: round(d.ks) } : {}), ...(d.js !== undefined ? { js: round(d.js) } : {}), nullRateIncrease: round(d.nullRateIncrease) };
  }

  const trials = options.detectionTrials ?? 20;
  const horizon = options.detectionHorizonPeriods ?? 30;
  const detect = (rps: number, i: number, monitor: MonitorPolicy): DetectionFigures => {
    const r = mulberry32(seed + 200 + i);
    const delays: number[] = [];
    const firedBy: Partial<Record<NoiseCheck, number>> = {};
    let falseAlarms = 0;
    for (let t = 0; t < trials; t++) {
      // Five healthy periods first (so the alarms start from OK with history), then the fault at a random phase.
      const faultAt = (5 + r()) * monitor.periodSeconds;
      const result = detectOnce(r, rps, demo.features, demo.v1, demo.v2, demoBaseline, monitor, faultAt, horizon);
      falseAlarms += result.falseAlarms;
      if (result.delay === null) continue;
      delays.push(result.delay);
      firedBy[result.firedBy!] = (firedBy[result.firedBy!] ?? 0) + 1;
    }
    return {
      requestsPerSecond: rps,
      periodSeconds: monitor.periodSeconds,
      trials,
      detected: delays.length,
      medianDelaySeconds: delays.length ? round(median(delays)) : null,
      maxDelaySeconds: delays.length ? round(Math.max(...delays)) : null,
      firedBy,
      falseAlarmsBeforeFault: falseAlarms,
    };
  };
  const detection = rates.map((rps, i) => detect(rps, i, monitor));
  const slow = resolvePolicy({ monitor: { ...(options.monitor ?? {}), periodSeconds: 600 } }).monitor;
  const lowTraffic = {
    // Four times the hours: a 600 s period evaluates 10× less often, so a quarter as many
    // windows as the 60 s rates get already bounds its rate per view-hour more tightly.
    rates: simulateRate(0.5, hours * 4, features, population, baseline, slow, seed + 300),
    detection: detect(0.5, 99, slow),
  };

  return {
    seed,
    monitor: { alarmAbove: monitor.alarmAbove, periodSeconds: monitor.periodSeconds, evaluationPeriods: monitor.evaluationPeriods, datapointsToAlarm: monitor.datapointsToAlarm, minSamples: monitor.minSamples, falsePositiveRate: monitor.falsePositiveRate },
    rawAt100Samples: at100,
    rates: rateFigures,
    demoShift,
    detection,
    lowTraffic,
    target: { falseRollbacksPer1000ViewHours: 1 },
  };
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

// Standalone: the figures as JSON on stdout. BENCH_FALSE_ROLLBACKS_OPTIONS takes the options as
// JSON (the unit test runs it this way: under jest's module sandbox the typed-array loops of
// the profiling run ~5× slower than under tsx, and the test must stay fast).
if (require.main === module) {
  const options = JSON.parse(process.env.BENCH_FALSE_ROLLBACKS_OPTIONS ?? '{}') as FalseRollbackOptions;
  void benchFalseRollbacks(options).then((figures) => console.log(JSON.stringify(figures, null, 2)));
}
