/**
 * cdk-nag's AwsSolutions pack on the synthesized stack, in both postures. Three claims:
 * no finding is left unacknowledged (synthesis would throw), every acknowledgment carries a
 * written reason and sits on the resource it excuses (or an ancestor inside the same
 * construct), and no acknowledgment is stale: each one excuses a finding that really occurs.
 */
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { synthesize, type Synthesized } from './synth';

/** The same pack, blind to acknowledgments: the raw findings. */
class RawAwsSolutionsChecks extends AwsSolutionsChecks {}
(RawAwsSolutionsChecks.prototype as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;

interface Finding {
  rule: string;
  path: string;
}
interface Acknowledgment {
  rule: string;
  path: string;
  reason: string;
}

function rawFindings(s: Synthesized): Finding[] {
  const report = new RawAwsSolutionsChecks().validateScope(s.stack);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => ({ rule: v.ruleName, path: (r as unknown as { constructPath: string }).constructPath })),
  );
}

function acknowledgments(root: IConstruct): Acknowledgment[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => ({ rule: id.replace(/^[^:]+::/, ''), path: construct.node.path, reason })),
  );
}

const covers = (ack: Acknowledgment, finding: Finding) => ack.rule === finding.rule && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`));

describe.each([
  ['production', {}],
  ['dev (deletionProtection=false)', { 'rewind:deletionProtection': 'false' }],
])('cdk-nag AwsSolutions on the %s stack', (_posture, context) => {
  let synthesized: Synthesized;
  let findings: Finding[];
  let acks: Acknowledgment[];

  beforeAll(() => {
    // Throws with the report if any finding is not acknowledged.
    synthesized = synthesize(context);
    findings = rawFindings(synthesized);
    acks = acknowledgments(synthesized.stack).filter((a) => a.rule.startsWith('AwsSolutions-'));
  });

  it('synthesizes with no unacknowledged finding', () => {
    expect(new AwsSolutionsChecks().validateScope(synthesized.stack).violations).toEqual([]);
  });

  it('acknowledges each finding on its own resource or construct, never stack-wide', () => {
    expect(findings.length).toBeGreaterThan(0); // the check below is not vacuous
    for (const finding of findings) {
      const ack = acks.find((a) => covers(a, finding));
      expect({ finding, acknowledged: ack !== undefined }).toEqual({ finding, acknowledged: true });
      expect(ack!.path).not.toBe(synthesized.stack.node.path);
    }
  });

  it('gives every acknowledgment a reason that explains it', () => {
    for (const ack of acks) expect({ ...ack, reasonLength: ack.reason.trim().length >= 40 }).toEqual({ ...ack, reasonLength: true });
  });

  it('has no stale acknowledgment: each one excuses a finding that occurs', () => {
    for (const ack of acks) expect({ ack: `${ack.rule} at ${ack.path}`, used: findings.some((f) => covers(ack, f)) }).toEqual({ ack: `${ack.rule} at ${ack.path}`, used: true });
  });

  it('excuses only the expected rule families', () => {
    const rules = [...new Set(findings.map((f) => f.rule.replace(/\[.*$/, '')))].sort();
    // IAM5: X-Ray and ListStreams need "*", S3 grants are per key prefix, the drift-alarm
    // Provider framework invokes sync-alarms:*. L1: nodejs22.x is pinned. SQS3: the
    // dead-letter queues themselves. The web console (infra/constructs/console.ts): CFR1/CFR2
    // (no geo restriction or WAF on a static bundle whose API authenticates every call), CFR4
    // (the default *.cloudfront.net certificate), IAM4 (CDK's bucket-deployment handler logs
    // through AWSLambdaBasicExecutionRole).
    expect(rules).toEqual(['AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR4', 'AwsSolutions-IAM4', 'AwsSolutions-IAM5', 'AwsSolutions-L1', 'AwsSolutions-SQS3']);
  });
});
