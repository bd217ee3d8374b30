/**
 * `DrillCompleted` (contract/rules.ts DRILL_COMPLETED_DETAIL_TYPE): one event per drill stored,
 * on Rewind's bus, with the same detail wherever it comes from: the scheduled drill on AWS
 * (functions/scheduled-drill.ts, after its run) and the local runtime (POST /drills stores a
 * report). Consumers (a game-day dashboard, a chat bot) deduplicate on `detail.eventId`.
 * Pure: the callers put it on their bus.
 */
import { DRILL_COMPLETED_DETAIL_TYPE, POINTER_EVENT_SOURCE } from '../../contract/rules';
import type { DrillReport } from './report';

export interface DrillCompletedDetail {
  /** `DrillCompleted#<drill id>`: one per drill, whoever publishes it and however often. */
  eventId: string;
  drillId: string;
  scenario: string;
  mode: 'auto' | 'manual';
  view: string;
  outcome: 'passed' | 'failed';
  /** Fault → detected, seconds (null: not detected). */
  mttdSeconds: number | null;
  /** Fault → the good version served everywhere, seconds (null: not recovered). */
  mttrSeconds: number | null;
  targetMttrSeconds: number;
  rows: number;
  rps: number;
  servedBad: number;
  loadErrors: number;
  /** The first failures (at most 5), each shortened. */
  failures: string[];
  startedAt: string;
  finishedAt: string;
  /** The report, relative to the API's URL (`GET /drills/{id}`; `?format=html` for the page). */
  report: string;
  /** The same, absolute, when the publisher knows the API's URL. */
  reportUrl?: string;
}

export interface DrillCompletedEvent {
  source: typeof POINTER_EVENT_SOURCE;
  'detail-type': typeof DRILL_COMPLETED_DETAIL_TYPE;
  detail: DrillCompletedDetail;
}

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.round(ms) / 1000);

/**
 * @example drillCompletedEvent(report, 'https://api.example.com').detail.reportUrl // 'https://api.example.com/drills/d20261202…'
 */
export function drillCompletedEvent(report: DrillReport, apiUrl?: string): DrillCompletedEvent {
  const path = `/drills/${encodeURIComponent(report.id)}`;
  return {
    source: POINTER_EVENT_SOURCE,
    'detail-type': DRILL_COMPLETED_DETAIL_TYPE,
    detail: {
      eventId: `${DRILL_COMPLETED_DETAIL_TYPE}#${report.id}`,
      drillId: report.id,
      scenario: report.scenario,
      mode: report.mode,
      view: report.view,
      outcome: report.outcome,
      mttdSeconds: seconds(report.measures.mttdMs),
      mttrSeconds: seconds(report.measures.mttrMs),
      targetMttrSeconds: report.targetMttrSeconds,
      rows: report.rows,
      rps: report.rps,
      servedBad: report.measures.servedBad,
      loadErrors: report.measures.loadErrors,
      failures: report.failures.slice(0, 5).map((f) => f.slice(0, 300)),
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      report: path,
      ...(apiUrl ? { reportUrl: `${apiUrl.replace(/\/+$/, '')}${path}` } : {}),
    },
  };
}
