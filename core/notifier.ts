/**
 * Port: telling a person. The monitor's blind spots, an alarm that has nothing to roll back,
 * an alarm with no measurement behind it, drift past a version's rollback window: each is a
 * page, not an action. In AWS the ops topic carries it; locally a loud console line (the
 * drills issue adds a webhook behind the same port). A notification must never block or fail
 * what raised it: adapters swallow their own errors.
 */

export type NoticeKind =
  | 'monitor-failed'
  | 'no-rollback-target'
  | 'unmeasured-alarm'
  | 'drift-past-rollback-window'
  | 'stable-drift-during-trial'
  /** An alarm's rollback was refused for a reason a retry will not change (e.g. a corrupt snapshot). */
  | 'rollback-failed'
  // Escalations with context (core/escalation.ts) and the drills' (core/drills/):
  | 'auto-rollback'
  | 'verification-failed'
  | 'runbook-completed'
  | 'drill-failed';

export interface Notice {
  kind: NoticeKind;
  view: string;
  version?: number;
  /** One sentence a person can act on. */
  summary: string;
  /** The alarm that raised it, when one did. */
  alarmName?: string;
  detail?: Record<string, unknown>;
  /** What makes two notices the same one (`<kind>#<view>#<revision>`): a webhook receiver deduplicates on it. */
  key?: string;
  /** An escalation's facts (core/escalation.ts EscalationContext): versions, alarm, models, sources, blast radius, links. */
  context?: Record<string, unknown>;
}

export interface Notifier {
  notify(notice: Notice): Promise<void>;
}

/** Nobody to tell (unit tests, or a caller that logs the outcome itself). */
export const SILENT_NOTIFIER: Notifier = { notify: async () => undefined };

/**
 * Prints every notice as one loud line on stderr, for the local runtime and `npm start`.
 *
 * @example await consoleNotifier().notify({ kind: 'no-rollback-target', view: 'v', summary: '…' })
 * // stderr: "!!! REWIND PAGE [no-rollback-target] v: …"
 */
export function consoleNotifier(write: (line: string) => void = (line) => console.error(line)): Notifier {
  return {
    notify: async (n) => {
      try {
        write(`!!! REWIND PAGE [${n.kind}] ${n.view}${n.version !== undefined ? ` v${n.version}` : ''}: ${n.summary}${n.alarmName ? ` (alarm ${n.alarmName})` : ''}`);
      } catch {
        // A notification never fails its caller.
      }
    },
  };
}

/** Every notice kept, for tests and the local runtime's status. */
export class RecordingNotifier implements Notifier {
  readonly notices: Notice[] = [];
  async notify(notice: Notice): Promise<void> {
    this.notices.push(notice);
  }
}
