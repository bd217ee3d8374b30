/**
 * The ops topic's message (store/sns-notifier.ts snsMessage), built from the notices Rewind
 * sends: an automatic rollback's escalation with its whole context (core/escalation.ts), a failed
 * verification, a failed drill (core/drills/records.ts) and a plain page. Pure: no SNS here.
 */
import type { EscalationContext } from '../../core/escalation';
import { escalationNotice } from '../../core/escalation';
import type { Notice } from '../../core/notifier';
import { snsMessage, snsSubject, SNS_MESSAGE_MAX_BYTES, SNS_SUBJECT_MAX } from '../../store/sns-notifier';

const context: EscalationContext = {
  view: 'churn-features',
  revision: 7,
  action: 'rollback',
  actor: 'system:alarm/rewind-drift-churn-features-v3-psi',
  at: '2026-12-02T03:04:05.000Z',
  fromVersion: 3,
  toVersion: 2,
  automatic: true,
  alarm: { name: 'rewind-drift-churn-features-v3-psi', reason: 'Threshold Crossed: 2 out of the last 3 datapoints were greater than the threshold (0.2)' },
  reason: 'rewind-drift-churn-features-v3-psi: Threshold Crossed',
  models: ['churn-model', 'ltv-model'],
  sources: [{ uri: 's3://lake/events/', checksum: 'sha256:abc' }, { uri: 's3://lake/profiles/' }],
  blastRadius: { windows: 4, servedSince: '2026-12-02T02:50:00.000Z', requestsSampled: 1234, consumers: ['churn-model'], artifacts: ['training-set ts-42'] },
  links: { history: '/views/churn-features/history', audit: '/audit?view=churn-features', auditId: '20261202T030405000Z-aa', runbook: '/views/churn-features/runbook', blastRadius: '/views/churn-features/versions/3/blast-radius' },
};

describe('the message of an automatic rollback', () => {
  const message = snsMessage(escalationNotice('auto-rollback', context));

  it('has a short ASCII subject naming the kind, the view and the versions', () => {
    expect(message.Subject).toBe('Rewind automatic rollback: churn-features v3 -> v2');
  });

  it('carries kind, view, key and version as message attributes (what a subscription filters on)', () => {
    expect(message.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'auto-rollback' },
      view: { DataType: 'String', StringValue: 'churn-features' },
      key: { DataType: 'String', StringValue: 'auto-rollback#churn-features#7' },
      version: { DataType: 'Number', StringValue: '2' },
    });
  });

  it('reads as text: view, versions, alarm and reason, models, sources, blast radius, links', () => {
    const text = message.Message.split('\n--- notice (JSON) ---\n')[0]!;
    expect(text).toContain('rolled back automatically v3 → v2');
    expect(text).toMatch(/^View: +churn-features$/m);
    expect(text).toMatch(/^Versions: +v3 -> v2 \(revision 7\)$/m);
    expect(text).toMatch(/^Alarm: +rewind-drift-churn-features-v3-psi: Threshold Crossed: 2 out of the last 3 datapoints/m);
    expect(text).toMatch(/^Models: +churn-model, ltv-model$/m);
    expect(text).toMatch(/^Sources: +s3:\/\/lake\/events\/ \(sha256:abc\), s3:\/\/lake\/profiles\/$/m);
    expect(text).toMatch(/^Blast radius: +v3 served in 4 window\(s\) since 2026-12-02T02:50:00.000Z, 1234 request\(s\) sampled; consumers churn-model; artifacts training-set ts-42$/m);
    for (const link of ['history: /views/churn-features/history', 'audit: /audit?view=churn-features', 'auditId: 20261202T030405000Z-aa', 'runbook: /views/churn-features/runbook', 'blastRadius: /views/churn-features/versions/3/blast-radius'])
      expect(text).toContain(`  ${link}`);
  });

  it('ends with the whole notice as JSON, context included', () => {
    const json = JSON.parse(message.Message.split('\n--- notice (JSON) ---\n')[1]!);
    expect(json).toMatchObject({ source: 'rewind', kind: 'auto-rollback', view: 'churn-features', key: 'auto-rollback#churn-features#7', context: { fromVersion: 3, toVersion: 2, models: ['churn-model', 'ltv-model'], alarm: context.alarm, blastRadius: context.blastRadius, links: context.links } });
  });
});

it('says when the blast radius could not be read', () => {
  const { blastRadius: _gone, ...rest } = context;
  expect(snsMessage(escalationNotice('auto-rollback', rest)).Message).toMatch(/^Blast radius: +unknown \(could not be read\)$/m);
});

it('names a failed verification by the restored version', () => {
  expect(snsSubject(escalationNotice('verification-failed', context, 'verify-restored: 3 of 20 entities differ'))).toBe('Rewind verification failed: churn-features v2 (after v3 -> v2)');
});

it('names a failed drill by its view and scenario, with what it measured', () => {
  const notice: Notice = {
    kind: 'drill-failed',
    view: 'drill-d20261202030000-beef-nulls',
    summary: 'drill d20261202030000-beef (nulls, auto) failed: time to recover 41.20 s is above the target 30 s',
    key: 'drill-failed#d20261202030000-beef',
    context: { drill: 'd20261202030000-beef', scenario: 'nulls', measures: { mttdMs: 12_000, mttrMs: 41_200, servedBad: 17 }, links: { drill: '/drills/d20261202030000-beef', audit: '/audit?view=drill-d20261202030000-beef-nulls', auditId: 'x' } },
  };
  const message = snsMessage(notice);
  expect(message.Subject).toBe('Rewind drill failed: drill-d20261202030000-beef-nulls (nulls)');
  expect(message.Message).toMatch(/^Measured: +MTTD 12.00 s, MTTR 41.20 s, 17 request\(s\) served bad$/m);
  expect(message.Message).toContain('  drill: /drills/d20261202030000-beef');
  expect(message.MessageAttributes.version).toBeUndefined();
});

it('keeps the subject within SNS rules (printable ASCII, one line, at most 100 characters) whatever the view', () => {
  const subject = snsSubject({ kind: 'no-rollback-target', view: `ünïcode-${'v'.repeat(200)}\nline`, version: 4, summary: 's' });
  expect(subject.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX);
  expect(subject).toMatch(/^Rewind page \(no-rollback-target\): \?n\?code-v+\.\.\.$/);
  expect(subject).toMatch(/^[\x20-\x7e]+$/);
});

it('drops a detail too large for SNS but keeps the facts', () => {
  const message = snsMessage({ kind: 'verification-failed', view: 'v', summary: 'failed', context: { fromVersion: 2, toVersion: 1 }, detail: { huge: 'x'.repeat(SNS_MESSAGE_MAX_BYTES) } });
  expect(Buffer.byteLength(message.Message)).toBeLessThanOrEqual(SNS_MESSAGE_MAX_BYTES);
  expect(message.Message).toContain('"detailOmitted": "too large for SNS"');
  expect(message.Message).toMatch(/^Versions: +v2 -> v1$/m);
});
