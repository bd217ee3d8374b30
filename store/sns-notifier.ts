/**
 * A Notifier (core/notifier.ts) that publishes each notice as one message to the ops topic
 * (REWIND_OPS_TOPIC_ARN: the stack's `rewind:opsTopicArn`, or the topic it created): what the
 * on-call's email, chat or pager subscription receives in AWS.
 *
 * The message: a short `Subject` (SNS allows 100 ASCII characters: the kind, the view, the
 * versions), a `Message` that reads on a phone (the summary, then the context line by line:
 * view, versions from/to, alarm and reason, models, sources, blast radius, links) followed by
 * the whole notice as JSON for a machine, and `MessageAttributes` (`kind`, `view`, `key`,
 * `version`) a subscription can filter on. A FIFO topic (`….fifo`) also gets a group (the view)
 * and a deduplication id (the notice's key), so SNS itself drops a repeat within 5 minutes.
 *
 * It never fails its caller: the SDK retries (its standard 3 attempts with backoff); what still
 * fails is logged and reported as not delivered (`publish` → false), so the caller can fall
 * back on another path (functions/commons/escalation.ts counts a `Page` then, which the stack's
 * pages alarm turns into an alarm notification on the same topic).
 *
 * Idempotency per rollback is upstream: after-rollback runs once per rollback (Powertools
 * idempotency on the event id, and the follow-up written once), so each notice is sent once.
 */
import { createHash } from 'node:crypto';
import { PublishCommand, type MessageAttributeValue, type SNSClient } from '@aws-sdk/client-sns';
import type { Notice, Notifier } from '../core/notifier';

/** SNS's limits: a subject of at most 100 printable ASCII characters; a message of at most 256 KiB. */
export const SNS_SUBJECT_MAX = 100;
export const SNS_MESSAGE_MAX_BYTES = 256 * 1024;

const KIND_TITLES: Partial<Record<Notice['kind'], string>> = {
  'auto-rollback': 'automatic rollback',
  'verification-failed': 'verification failed',
  'drill-failed': 'drill failed',
  'runbook-completed': 'runbook completed',
  'rollback-failed': 'automatic rollback FAILED',
};

export interface SnsMessage {
  Subject: string;
  Message: string;
  MessageAttributes: Record<string, MessageAttributeValue>;
}

type Ctx = Record<string, any>;

/** Printable ASCII only (SNS refuses the rest in a subject), one line, at most 100 characters. */
function asciiSubject(text: string): string {
  const ascii = text
    .replace(/→/g, '->')
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/\s+/g, ' ')
    .trim();
  return ascii.length <= SNS_SUBJECT_MAX ? ascii : `${ascii.slice(0, SNS_SUBJECT_MAX - 3)}...`;
}

const versionsOf = (c: Ctx): string | undefined => ('fromVersion' in c || 'toVersion' in c ? `v${c.fromVersion ?? '?'} -> v${c.toVersion ?? '?'}` : undefined);

/**
 * `Rewind automatic rollback: churn v3 -> v2`, `Rewind verification failed: churn v2 (after v3 -> v2)`,
 * `Rewind drill failed: drill-d2026…-nulls (nulls)`, `Rewind page (no-rollback-target): churn v3`.
 */
export function snsSubject(notice: Notice): string {
  const c: Ctx = notice.context ?? {};
  const title = KIND_TITLES[notice.kind] ?? `page (${notice.kind})`;
  const versions = versionsOf(c);
  let what: string;
  if (notice.kind === 'verification-failed') what = `${notice.view} v${c.toVersion ?? notice.version ?? '?'}${versions ? ` (after ${versions})` : ''}`;
  else if (notice.kind === 'drill-failed') what = `${notice.view}${c.scenario ? ` (${c.scenario})` : ''}`;
  else what = `${notice.view}${versions ? ` ${versions}` : notice.version !== undefined ? ` v${notice.version}` : ''}`;
  return asciiSubject(`Rewind ${title}: ${what}`);
}

const list = (items: unknown): string => (Array.isArray(items) && items.length ? items.map(String).join(', ') : 'none');

/** The readable part of the message: the summary, then one line per fact the context carries. */
export function snsText(notice: Notice): string {
  const c: Ctx = notice.context ?? {};
  const lines = [notice.summary, ''];
  const row = (label: string, value: string | undefined) => {
    if (value !== undefined && value !== '') lines.push(`${`${label}:`.padEnd(14)}${value}`);
  };
  row('View', notice.view);
  row('Kind', notice.kind);
  const versions = versionsOf(c);
  row('Versions', versions ? `${versions}${c.revision !== undefined ? ` (revision ${c.revision})` : ''}` : notice.version !== undefined ? `v${notice.version}` : undefined);
  if (c.action) row('Change', `${c.action} by ${c.actor ?? '?'} at ${c.at ?? '?'}${c.automatic ? ' (automatic)' : ''}`);
  const alarm = c.alarm as { name?: string; reason?: string } | undefined;
  row('Alarm', alarm ? `${alarm.name ?? '?'}: ${alarm.reason ?? ''}` : notice.alarmName);
  if (!alarm) row('Reason', typeof c.reason === 'string' ? c.reason : undefined);
  if ('models' in c) row('Models', list(c.models));
  if ('sources' in c) row('Sources', list((c.sources as { uri: string; checksum?: string }[] | undefined)?.map((s) => (s.checksum ? `${s.uri} (${s.checksum})` : s.uri))));
  const radius = c.blastRadius as { windows?: number; servedSince?: string; requestsSampled?: number; consumers?: string[]; artifacts?: string[] } | undefined;
  if (radius)
    row('Blast radius', `v${c.fromVersion ?? '?'} served in ${radius.windows ?? '?'} window(s)${radius.servedSince ? ` since ${radius.servedSince}` : ''}, ${radius.requestsSampled ?? 0} request(s) sampled; consumers ${list(radius.consumers)}; artifacts ${list(radius.artifacts)}`);
  else if ('models' in c) row('Blast radius', 'unknown (could not be read)');
  if (c.drill) {
    row('Drill', `${c.drill}${c.scenario ? ` (${c.scenario})` : ''}`);
    const m = c.measures as { mttdMs?: number | null; mttrMs?: number | null; servedBad?: number } | undefined;
    if (m) row('Measured', `MTTD ${m.mttdMs == null ? '-' : `${(m.mttdMs / 1000).toFixed(2)} s`}, MTTR ${m.mttrMs == null ? '-' : `${(m.mttrMs / 1000).toFixed(2)} s`}, ${m.servedBad ?? 0} request(s) served bad`);
  }
  const links = c.links as Record<string, string> | undefined;
  if (links) {
    lines.push('', 'Links (relative to the API URL):');
    for (const [name, value] of Object.entries(links)) lines.push(`  ${name}: ${value}`);
  }
  return lines.join('\n');
}

/** Subject, message (text, then the notice as JSON) and attributes of one notice. */
export function snsMessage(notice: Notice): SnsMessage {
  const text = snsText(notice);
  let json = JSON.stringify({ source: 'rewind', ...notice }, null, 2);
  let message = `${text}\n\n--- notice (JSON) ---\n${json}`;
  if (Buffer.byteLength(message) > SNS_MESSAGE_MAX_BYTES) {
    // Past SNS's limit (a huge detail): the facts stay, the detail goes.
    const { detail: _detail, ...rest } = notice;
    json = JSON.stringify({ source: 'rewind', ...rest, detailOmitted: 'too large for SNS' }, null, 2);
    message = `${text}\n\n--- notice (JSON) ---\n${json}`.slice(0, SNS_MESSAGE_MAX_BYTES / 4);
  }
  const attributes: Record<string, MessageAttributeValue> = {
    kind: { DataType: 'String', StringValue: notice.kind },
    view: { DataType: 'String', StringValue: notice.view },
  };
  if (notice.key) attributes.key = { DataType: 'String', StringValue: notice.key };
  if (notice.version !== undefined) attributes.version = { DataType: 'Number', StringValue: String(notice.version) };
  return { Subject: snsSubject(notice), Message: message, MessageAttributes: attributes };
}

export interface SnsNotifierOptions {
  /** Where a notice that could not be published is logged (default stderr). */
  log?: (line: string, error?: unknown) => void;
}

export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: Pick<SNSClient, 'send'>,
    private readonly topicArn: string,
    private readonly options: SnsNotifierOptions = {},
  ) {}

  /** Publishes the notice; false (logged) when SNS did not take it after the SDK's retries. Never throws. */
  async publish(notice: Notice): Promise<boolean> {
    try {
      const message = snsMessage(notice);
      const fifo = this.topicArn.endsWith('.fifo');
      await this.client.send(
        new PublishCommand({
          TopicArn: this.topicArn,
          ...message,
          ...(fifo ? { MessageGroupId: notice.view.slice(0, 128), MessageDeduplicationId: createHash('sha256').update(notice.key ?? message.Message).digest('hex').slice(0, 128) } : {}),
        }),
      );
      return true;
    } catch (error) {
      try {
        (this.options.log ?? ((line: string) => console.error(line)))(
          `!!! REWIND ops topic ${this.topicArn} did not take the ${notice.kind} notice of ${notice.view} (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}): ${notice.summary}`,
          error,
        );
      } catch {
        // A notification never fails its caller.
      }
      return false;
    }
  }

  async notify(notice: Notice): Promise<void> {
    await this.publish(notice);
  }
}
