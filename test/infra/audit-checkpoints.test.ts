/**
 * The audit anchor in the synthesized stack: the asymmetric checkpoint key, who may sign with
 * it (the checkpoint functions only) and who may read its public key (verify), the schedule,
 * and a retired key kept verifiable after a rotation (docs/audit.md).
 */
import { ENV } from '../../contract/config';
import { synthesize, TEST_AUDIENCE, TEST_ISSUER, type CfnTemplate } from './synth';

const RETIRED = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const { json, stack } = synthesize({ 'rewind:jwtIssuer': TEST_ISSUER, 'rewind:jwtAudience': TEST_AUDIENCE, 'rewind:retiredCheckpointKeyArns': RETIRED });

function resources(template: CfnTemplate, type: string) {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** Every IAM action granted to a function's role, with its resources. */
function grantsOf(handler: string): { actions: string[]; resources: unknown[] }[] {
  const fn = stack.functions.get(handler);
  const roleId = stack.getLogicalId(fn.functionRole.node.defaultChild as never);
  return resources(json, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties!.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
    .map((s) => ({ actions: [s.Action].flat(), resources: [s.Resource].flat() }));
}

it('creates one ECC_NIST_P256 signing key', () => {
  const keys = resources(json, 'AWS::KMS::Key');
  expect(keys).toHaveLength(1);
  expect(keys[0]![1].Properties).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  expect(keys[0]![1].DeletionPolicy).toBe('Retain');
});

it('lets only the checkpoint functions sign, and verify read the public keys (current and retired)', () => {
  const kmsActions = (handler: string) => grantsOf(handler).filter((g) => g.actions.some((a) => a.startsWith('kms:')));
  const signers = stack.functions.byHandler;
  const withSign = Object.keys(signers).filter((h) => kmsActions(h).some((g) => g.actions.includes('kms:Sign')));
  expect(withSign.sort()).toEqual(['audit-checkpoint', 'create-audit-checkpoint']);
  expect(kmsActions('audit-checkpoint')).toEqual([{ actions: ['kms:Sign'], resources: [expect.objectContaining({ 'Fn::GetAtt': expect.any(Array) })] }]);
  const verify = kmsActions('verify-audit');
  expect(verify).toEqual([{ actions: ['kms:GetPublicKey'], resources: expect.arrayContaining([expect.objectContaining({ 'Fn::GetAtt': expect.any(Array) }), RETIRED]) }]);
  expect(verify[0]!.resources).toHaveLength(2);
  const env = (handler: string) =>
    json.Resources[stack.getLogicalId(stack.functions.get(handler).node.defaultChild as never)]!.Properties!.Environment.Variables as Record<string, unknown>;
  expect(env('verify-audit')[ENV.auditTrustedKeys]).toBe(RETIRED);
  expect(env('verify-audit')[ENV.auditSigningKey]).toBeDefined();
  expect(env('get-online')[ENV.auditSigningKey]).toBeUndefined();
});

it('runs the checkpoint function on a schedule', () => {
  const rules = resources(json, 'AWS::Events::Rule').filter(([, r]) => /audit checkpoint/.test(String(r.Properties!.Description)));
  expect(rules).toHaveLength(1);
  expect(rules[0]![1].Properties).toMatchObject({ ScheduleExpression: 'rate(15 minutes)' });
});
