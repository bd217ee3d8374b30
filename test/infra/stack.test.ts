/**
 * The synthesized stack, read back: one place (routes, tables and rules come from contract/),
 * storage safety, the API's authorization and limits, least privilege per function, and the
 * rollback and outbox wiring. One synthesis per posture serves every describe block (loading
 * aws-cdk-lib dominates a synthesis; doing it once per test file would dominate the run).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { ROUTES, routeKey } from '../../contract/routes';
import { ALARM_ROLLBACK_RULE, EVENT_BUS_ENV, matchesEventPattern, POINTER_DETAIL_TYPES, POINTER_EVENT_SOURCE, RULES, SYNC_ALARMS_RULE } from '../../contract/rules';
import { SNAPSHOT_BUCKET_ENV, TABLES, type TableSpec } from '../../contract/tables';
import { driftAlarmName, driftAlarmPrefix, MODEL_ALARMS_ENV, monitorAlarmPrefix } from '../../contract/alarms';
import { DEFAULT_SERVICE_NAME, SERVICE_NAME_ENV } from '../../contract/service';
import { CLOUDWATCH_ACTIONS, DYNAMODB_ACTIONS, FUNCTION_ACCESS, JOBS_PREFIX, SNAPSHOTS_PREFIX, UPLOADS_PREFIX, type TableId } from '../../infra/access';
import { DRIFT_ALARMS_RESOURCE_TYPE } from '../../infra/constructs/drift-alarm-lifecycle';
import type { RewindFunction } from '../../infra/constructs/rewind-function';
import { OPS_ALARM_PREFIX } from '../../infra/constructs/ops-alarm';
import { SERVING_HANDLER } from '../../infra/rewind-stack';
import { SERVING_HANDLERS } from '../../infra/handlers';
import { localStackEnvironment } from '../../scripts/localstack';
import { environmentFromOutputs } from '../../infra/outputs';
import { createTableInput } from '../../local/bootstrap';
import {
  actionsOf,
  logicalId,
  referencedIds,
  render,
  resourcesOf,
  resourcesOfType,
  statementsOfRole,
  synthesize,
  TEST_AUDIENCE,
  TEST_ISSUER,
  type CfnResource,
  type Synthesized,
} from './synth';

let prod: Synthesized;
let dev: Synthesized;

beforeAll(() => {
  prod = synthesize();
  dev = synthesize({ 'rewind:deletionProtection': 'false' });
});

const tableIds = TABLES.map((t) => t.id);
const resource = (s: Synthesized, id: string): CfnResource => s.json.Resources[id]!;
const fn = (handler: string): RewindFunction => {
  const found = prod.stack.functions.byHandler[handler] ?? (handler === 'publish-pointer-events' ? prod.stack.pointerEvents.publisher : undefined);
  if (!found) throw new Error(`no function ${handler}`);
  return found;
};
const allHandlers = () => [...Object.keys(prod.stack.functions.byHandler), 'publish-pointer-events'];

/** DynamoDB actions a function's role allows, by table id (index ARNs count as their table). */
function dynamoActions(handler: string): Record<TableId, Set<string>> {
  const byLogicalId = new Map(tableIds.map((id) => [logicalId(prod.stack.storage.tables[id]), id]));
  const out = Object.fromEntries(tableIds.map((id) => [id, new Set<string>()])) as Record<TableId, Set<string>>;
  for (const statement of statementsOfRole(prod.json, logicalId(fn(handler).functionRole))) {
    if (statement.Effect === 'Deny') continue; // what it may NOT do (the governance partition): test/infra/paging-and-privilege.test.ts
    const dynamo = actionsOf(statement).filter((a) => a.startsWith('dynamodb:'));
    if (dynamo.length === 0) continue;
    for (const r of resourcesOf(statement)) {
      for (const ref of referencedIds(r)) {
        const table = byLogicalId.get(ref);
        if (table) dynamo.forEach((a) => out[table].add(a));
      }
    }
  }
  return out;
}

function s3Statements(handler: string): { actions: string[]; resources: string[] }[] {
  return statementsOfRole(prod.json, logicalId(fn(handler).functionRole))
    .filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')))
    .map((s) => ({ actions: actionsOf(s), resources: resourcesOf(s).map(render) }));
}

const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const writes = (actions: Set<string>) => [...actions].filter((a) => WRITE_ACTIONS.includes(a));

/** An event pattern as deployed: `{ Ref: 'AWS::AccountId' }` stands for the account, rendered `<AWS::AccountId>` as the test events carry it. */
function deployed(pattern: unknown): any {
  return JSON.parse(JSON.stringify(pattern).replace(/\{"Ref":"(AWS::[A-Za-z]+)"\}/g, '"<$1>"'));
}

describe('one place: the stack is built from contract/', () => {
  it('has exactly one DynamoDB table per contract table, with the keys, indexes and stream the local runtime creates', () => {
    const tables = resourcesOfType(prod.json, 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(TABLES.length);
    for (const spec of TABLES) {
      const props = resource(prod, logicalId(prod.stack.storage.tables[spec.id])).Properties!;
      const local = createTableInput(spec, 'any');
      const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) => String(a.AttributeName).localeCompare(String(b.AttributeName));
      expect(props.KeySchema).toEqual(local.KeySchema);
      expect([...props.AttributeDefinitions].sort(byName)).toEqual([...local.AttributeDefinitions!].sort(byName));
      expect(props.BillingMode).toBe(local.BillingMode);
      expect(props.GlobalSecondaryIndexes ?? []).toEqual(local.GlobalSecondaryIndexes ?? []);
      expect(props.StreamSpecification?.StreamViewType).toBe(local.StreamSpecification?.StreamViewType);
      expect(props.TimeToLiveSpecification).toEqual(spec.ttlAttribute ? { AttributeName: spec.ttlAttribute, Enabled: true } : undefined);
    }
  });

  it('has exactly one API route per contract route, each integrated with the function named by its handler', () => {
    const routes = resourcesOfType(prod.json, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => r.Properties!.RouteKey).sort()).toEqual(ROUTES.map(routeKey).sort());
    for (const [, route] of routes) {
      const spec = ROUTES.find((r) => routeKey(r) === route.Properties!.RouteKey)!;
      const integrationId = referencedIds(route.Properties!.Target)[0]!;
      const integration = resource(prod, integrationId).Properties!;
      expect(referencedIds(integration.IntegrationUri)).toEqual([logicalId(fn(spec.handler))]);
      expect(integration.PayloadFormatVersion).toBe('2.0');
    }
  });

  it("builds the alarm → rollback rule from ALARM_ROLLBACK_RULE, filtered on the stack's own account and region", () => {
    const rule = resource(prod, logicalId(prod.stack.rollbackAutomation.rule));
    expect(rule.Properties!.EventPattern).toEqual({ account: [{ Ref: 'AWS::AccountId' }], region: [{ Ref: 'AWS::Region' }], ...ALARM_ROLLBACK_RULE.pattern });
    expect(referencedIds(rule.Properties!.Targets[0].Arn)).toEqual([logicalId(fn(ALARM_ROLLBACK_RULE.handler))]);
  });

  it('creates a function for every handler the contract names, and access rules for every function', () => {
    const named = new Set([...ROUTES.map((r) => r.handler), ...RULES.map((r) => r.handler), 'drift-monitor', 'promote-canaries']);
    for (const handler of named) expect(prod.stack.functions.byHandler[handler]).toBeDefined();
    expect(Object.keys(prod.stack.functions.byHandler).sort()).toEqual(Object.keys(FUNCTION_ACCESS).sort());
  });
});

describe('storage is protected', () => {
  it('keeps point-in-time recovery, deletion protection and RETAIN on every table', () => {
    prod.template.allResourcesProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    for (const [, table] of resourcesOfType(prod.json, 'AWS::DynamoDB::Table')) expect(table.DeletionPolicy).toBe('Retain');
  });

  it('lets a dev stack (deletionProtection=false) be destroyed, still with PITR', () => {
    dev.template.allResourcesProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: false,
    });
    for (const [, table] of resourcesOfType(dev.json, 'AWS::DynamoDB::Table')) expect(table.DeletionPolicy).toBe('Delete');
  });

  it('keeps the snapshot bucket private, encrypted, versioned, locked and logged', () => {
    const bucket = resource(prod, logicalId(prod.stack.storage.snapshotBucket));
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      ObjectLockEnabled: true,
      ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: 90 } } },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(referencedIds(bucket.Properties!.LoggingConfiguration.DestinationBucketName)).toEqual([logicalId(prod.stack.storage.accessLogBucket)]);
  });

  it('refuses every request to either bucket that is not over TLS 1.2+', () => {
    for (const bucket of [prod.stack.storage.snapshotBucket, prod.stack.storage.accessLogBucket]) {
      const policies = resourcesOfType(prod.json, 'AWS::S3::BucketPolicy').filter(([, p]) => referencedIds(p.Properties!.Bucket).includes(logicalId(bucket)));
      expect(policies).toHaveLength(1);
      const statements = policies[0]![1].Properties!.PolicyDocument.Statement as { Effect: string; Condition?: Record<string, Record<string, unknown>> }[];
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
      expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }));
      // Nothing is granted to the world.
      expect(statements.filter((s) => s.Effect === 'Allow' && JSON.stringify(s).includes('"*"') && !JSON.stringify(s).includes('logging.s3'))).toEqual([]);
    }
  });

  it('leaves Object Lock off in dev stacks, so they can be emptied and destroyed', () => {
    const bucket = resource(dev, logicalId(dev.stack.storage.snapshotBucket));
    expect(bucket.Properties!.ObjectLockEnabled).toBeUndefined();
    expect(bucket.DeletionPolicy).toBe('Delete');
    // The snapshot bucket and its access-log bucket; the console's bundle and log buckets (infra/constructs/console.ts).
    dev.template.resourceCountIs('Custom::S3AutoDeleteObjects', 4);
  });
});

describe('the API authorizes every route and is throttled', () => {
  it('requires a JWT from the configured issuer and audience on every route', () => {
    const authorizers = resourcesOfType(prod.json, 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [authorizerId, authorizer] = authorizers[0]!;
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: TEST_ISSUER, Audience: [TEST_AUDIENCE] },
    });
    for (const [, route] of resourcesOfType(prod.json, 'AWS::ApiGatewayV2::Route')) {
      expect(route.Properties!.AuthorizationType).toBe('JWT');
      expect(referencedIds(route.Properties!.AuthorizerId)).toEqual([authorizerId]);
    }
  });

  it('logs every request as JSON with the caller, and throttles the serving route apart from the control plane', () => {
    const stage = resource(prod, logicalId(prod.stack.api.stage)).Properties!;
    expect(stage.StageName).toBe('$default');
    expect(referencedIds(stage.AccessLogSettings.DestinationArn)).toEqual([logicalId(prod.stack.api.accessLogs)]);
    expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({ requestId: '$context.requestId', sub: '$context.authorizer.claims.sub', status: '$context.status' });
    expect(stage.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    const serving = ROUTES.filter((r) => SERVING_HANDLERS.includes(r.handler)).map(routeKey);
    expect(serving).toEqual(['GET /online/{view}/{entity}', 'POST /online/{view}/batch']);
    expect(Object.keys(stage.RouteSettings)).toEqual(serving);
    for (const key of serving) expect(stage.RouteSettings[key]).toEqual({ ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 });
  });

  it('lets API Gateway invoke each function only through its own route', () => {
    for (const route of ROUTES) {
      const permissions = resourcesOfType(prod.json, 'AWS::Lambda::Permission').filter(([, p]) => referencedIds(p.Properties!.FunctionName).includes(logicalId(fn(route.handler))));
      const fromApi = permissions.filter(([, p]) => p.Properties!.Principal === 'apigateway.amazonaws.com');
      expect(fromApi.map(([, p]) => render(p.Properties!.SourceArn))).toContainEqual(expect.stringMatching(new RegExp(`>/\\*/\\*${escape(route.path)}$`)));
    }
  });
});

describe('least privilege: each function can do exactly what infra/access.ts says', () => {
  it.each(Object.keys(FUNCTION_ACCESS))('%s has exactly its DynamoDB actions on each table', (handler) => {
    const actual = dynamoActions(handler);
    for (const id of tableIds) {
      const level = FUNCTION_ACCESS[handler]!.tables[id];
      const expected = level === 'none' ? [] : [...DYNAMODB_ACTIONS[level]];
      expect({ table: id, actions: [...actual[id]].sort() }).toEqual({ table: id, actions: expected.sort() });
    }
  });

  it('the serving function cannot write pointers, versions, history or online values', () => {
    const actions = dynamoActions(SERVING_HANDLER);
    for (const id of ['pointers', 'versions', 'history', 'online'] as const) expect({ id, writes: writes(actions[id]) }).toEqual({ id, writes: [] });
    expect(s3Statements(SERVING_HANDLER)).toEqual([]);
  });

  it('only the pointer-change paths (activation, rollback, promotion, feature switches) can write pointers and history', () => {
    const writersOf = (id: TableId) => allHandlers().filter((h) => writes(dynamoActions(h)[id]).length > 0).sort();
    // deploy-version activates in the same request when asked (activate: true); promote and
    // the feature switches are pointer changes too (one transaction each); promote-canaries
    // promotes a baked candidate on its schedule; a deploy job's finalize step activates once
    // the version is recorded when the deploy asked `activate: true`.
    // revert-source rolls each view back through the same rollback use case.
    const pointerPaths = ['activate', 'alarm-rollback', 'deploy-version', 'disable-feature', 'enable-feature', 'jobs/finalize', 'promote', 'promote-canaries', 'revert-source', 'rollback'];
    expect(writersOf('pointers')).toEqual(pointerPaths);
    expect(writersOf('history')).toEqual(pointerPaths);
  });

  it('no function can update or delete a history or audit entry', () => {
    for (const handler of allHandlers()) {
      const actions = dynamoActions(handler);
      for (const id of ['history', 'audit'] as const) {
        expect({ handler, id, rewrites: [...actions[id]].filter((a) => a !== 'dynamodb:PutItem' && WRITE_ACTIONS.includes(a)) }).toEqual({ handler, id, rewrites: [] });
      }
    }
  });

  it('every HTTP function can record a refusal (PutItem, UpdateItem on the refusals table), and delete none', () => {
    for (const route of ROUTES) {
      const refusals = [...dynamoActions(route.handler).refusals];
      expect({ handler: route.handler, refusals }).toEqual({ handler: route.handler, refusals: expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']) });
      expect(refusals).not.toContain('dynamodb:DeleteItem');
    }
  });

  it('only the functions whose use case audits a change can write the audit table (read-only routes cannot)', () => {
    const auditWriters = allHandlers().filter((h) => dynamoActions(h).audit.has('dynamodb:PutItem')).sort();
    expect(auditWriters).toEqual(
      // jobs/finalize records the version (and its activation), jobs/fail the job's end and its purge;
      // after-rollback the runbook's outcome, put-drill a drill's report (issue 13).
      ['activate', 'after-rollback', 'put-drill', 'alarm-rollback', 'approve-policy-proposal', 'create-approval', 'create-audit-checkpoint', 'deploy-version', 'disable-feature', 'enable-feature', 'jobs/fail', 'jobs/finalize', 'promote', 'promote-canaries', 'purge-version', 'put-policy', 'republish-events', 'revert-source', 'rollback'].sort(),
    );
    for (const reader of ['get-online', 'list-views', 'get-view', 'list-audit', 'verify-audit', 'get-policy']) expect([...dynamoActions(reader).audit].filter((a) => WRITE_ACTIONS.includes(a))).toEqual([]);
  });

  it('grants S3 by key prefix only: uploads are signed under uploads/, snapshots written only by deploy (and its job\'s validate step)', () => {
    const bucket = `<${logicalId(prod.stack.storage.snapshotBucket)}.Arn>`;
    expect(s3Statements('create-upload')).toEqual([{ actions: ['s3:PutObject'], resources: [`${bucket}/${UPLOADS_PREFIX}*`] }]);
    const writers = allHandlers().filter((h) => s3Statements(h).some((s) => s.actions.includes('s3:PutObject') && s.resources.includes(`${bucket}/${SNAPSHOTS_PREFIX}*`)));
    expect(writers).toEqual(['deploy-version', 'jobs/validate']);
    for (const handler of allHandlers()) {
      for (const s of s3Statements(handler)) expect(s.actions.every((a) => ['s3:GetObject', 's3:PutObject', 's3:ListBucket', 's3:DeleteObject', 's3:AbortMultipartUpload'].includes(a))).toBe(true);
    }
    // Deletes: only a validation in segments' leftovers (its checkpoints under jobs/, a suspended snapshot's side files), never a snapshot.
    const deleters = allHandlers().filter((h) => s3Statements(h).some((s) => s.actions.includes('s3:DeleteObject')));
    expect(deleters.sort()).toEqual(['jobs/fail', 'jobs/validate']);
    expect(s3Statements('jobs/validate').find((s) => s.actions.includes('s3:DeleteObject'))!.resources).toEqual([`${bucket}/${JOBS_PREFIX}*`, `${bucket}/${SNAPSHOTS_PREFIX}*.suspend-*`]);
    expect(s3Statements('jobs/fail').find((s) => s.actions.includes('s3:DeleteObject'))!.resources).toEqual([`${bucket}/${SNAPSHOTS_PREFIX}*.suspend-*`]);
    for (const handler of ['jobs/fail', 'jobs/validate']) expect(s3Statements(handler).find((s) => s.actions.includes('s3:AbortMultipartUpload'))!.resources).toEqual([`${bucket}/${SNAPSHOTS_PREFIX}*`]);
  });

  it('names tables and the bucket only through environment variables that reference the resources', () => {
    for (const handler of Object.keys(FUNCTION_ACCESS)) {
      const env = resource(prod, logicalId(fn(handler))).Properties!.Environment.Variables as Record<string, unknown>;
      const told = (spec: TableSpec) => !spec.usedBy || spec.usedBy.includes(handler);
      for (const spec of TABLES) {
        if (told(spec)) expect(referencedIds(env[spec.envVar])).toEqual([logicalId(prod.stack.storage.tables[spec.id])]);
        else expect(env[spec.envVar]).toBeUndefined();
      }
      expect(referencedIds(env[SNAPSHOT_BUCKET_ENV])).toEqual([logicalId(prod.stack.storage.snapshotBucket)]);
    }
  });

  it('agrees with contract/tables.ts `usedBy`: a table used by some functions is granted to those only', () => {
    for (const spec of TABLES.filter((t) => t.usedBy)) {
      const granted = Object.keys(FUNCTION_ACCESS).filter((h) => dynamoActions(h)[spec.id].size > 0);
      expect({ table: spec.id, granted: granted.sort() }).toEqual({ table: spec.id, granted: [...spec.usedBy!].sort() });
    }
  });

  it('lets each function write its own log group only, with no AWS managed policy', () => {
    for (const handler of allHandlers()) {
      const f = fn(handler);
      expect(resource(prod, logicalId(f.functionRole)).Properties!.ManagedPolicyArns).toBeUndefined();
      const logs = statementsOfRole(prod.json, logicalId(f.functionRole)).filter((s) => actionsOf(s).some((a) => a.startsWith('logs:')));
      expect(logs.flatMap((s) => resourcesOf(s).flatMap(referencedIds))).toEqual([logicalId(f.functionLogGroup)]);
    }
  });

  it('runs every function on nodejs22.x, arm64, traced, with a log group that expires', () => {
    const ours = new Set(allHandlers().map((h) => logicalId(fn(h))));
    for (const id of ours) {
      expect({ id, ...resource(prod, id).Properties }).toMatchObject({
        id,
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
      });
    }
    // The only other functions are CDK's Provider framework (CDK picks its runtime), logging to a group of ours,
    // and the console's deploy-time handlers (bucket deployment, emptying its bundle bucket; infra/test/console.test.ts).
    const deployTime = /^Custom(CDKBucketDeployment|S3AutoDeleteObjects)/;
    const others = resourcesOfType(prod.json, 'AWS::Lambda::Function').filter(([id]) => !ours.has(id) && !deployTime.test(id));
    expect(others.map(([, f]) => f.Properties!.Handler)).toEqual(['framework.onEvent']);
    expect(others[0]![1].Properties!.LoggingConfig.LogGroup).toEqual({ Ref: logicalId(prod.stack.driftAlarms.frameworkLogGroup) });
    prod.template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });
});

describe('alarm → rollback automation', () => {
  const alarmEvent = (alarmName: string, state = 'ALARM') => ({
    account: '<AWS::AccountId>',
    region: '<AWS::Region>',
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    detail: { alarmName, state: { value: state } },
  });

  it('retries delivery and the function, and keeps what still fails in a dead-letter queue', () => {
    const dlq = logicalId(prod.stack.rollbackAutomation.deadLetterQueue);
    const rule = resource(prod, logicalId(prod.stack.rollbackAutomation.rule)).Properties!;
    expect(rule.Targets[0]).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 } });
    expect(referencedIds(rule.Targets[0].DeadLetterConfig.Arn)).toEqual([dlq]);
    const invokeConfigs = resourcesOfType(prod.json, 'AWS::Lambda::EventInvokeConfig').filter(([, c]) => referencedIds(c.Properties!.FunctionName).includes(logicalId(fn('alarm-rollback'))));
    expect(invokeConfigs).toHaveLength(1);
    expect(invokeConfigs[0]![1].Properties).toMatchObject({ MaximumRetryAttempts: 2 });
    expect(referencedIds(invokeConfigs[0]![1].Properties!.DestinationConfig.OnFailure.Destination)).toEqual([dlq]);
    expect(resource(prod, dlq).Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
  });

  it('matches Rewind alarms entering ALARM in its own account and region, and nothing else', () => {
    const pattern = deployed(resource(prod, logicalId(prod.stack.rollbackAutomation.rule)).Properties!.EventPattern);
    expect(matchesEventPattern(pattern, { ...alarmEvent('rewind-drift-user_profile-psi'), account: '210987654321' })).toBe(false);
    expect(matchesEventPattern(pattern, { ...alarmEvent('rewind-drift-user_profile-psi'), region: 'elsewhere-1' })).toBe(false);
    expect(matchesEventPattern(pattern, alarmEvent('rewind-drift-user_profile-psi'))).toBe(true);
    expect(matchesEventPattern(pattern, alarmEvent('rewind-drift-user_profile-psi', 'OK'))).toBe(false);
    expect(matchesEventPattern(pattern, alarmEvent('churn-auc-low'))).toBe(false);
    expect(matchesEventPattern(pattern, { ...alarmEvent('rewind-x'), source: 'aws.other' })).toBe(false);
  });

  it('can never be triggered by Rewind\'s own ops alarms', () => {
    const names = resourcesOfType(prod.json, 'AWS::CloudWatch::Alarm').map(([, a]) => String(a.Properties!.AlarmName));
    expect(names.length).toBeGreaterThanOrEqual(3);
    const pattern = deployed(resource(prod, logicalId(prod.stack.rollbackAutomation.rule)).Properties!.EventPattern);
    for (const name of names) {
      expect(name.startsWith(OPS_ALARM_PREFIX)).toBe(true);
      expect(matchesEventPattern(pattern, alarmEvent(name))).toBe(false);
    }
  });

  it('also listens for bound model alarms, and tells alarm-rollback about them', () => {
    const bindings = [{ alarmName: 'churn-auc-low', model: 'churn-model', bakeWindowMinutes: 30 }];
    const withModels = synthesize({ 'rewind:modelAlarms': JSON.stringify(bindings) });
    const pattern = deployed(resource(withModels, logicalId(withModels.stack.rollbackAutomation.rule)).Properties!.EventPattern);
    expect(pattern.detail.alarmName).toEqual([{ prefix: 'rewind-' }, { prefix: 'churn-auc-low' }]);
    expect(matchesEventPattern(pattern, alarmEvent('churn-auc-low'))).toBe(true);
    const env = resource(withModels, logicalId(withModels.stack.functions.get('alarm-rollback'))).Properties!.Environment.Variables;
    expect(JSON.parse(env[MODEL_ALARMS_ENV])).toEqual(bindings);
  });
});

describe('the outbox: history stream → event bus', () => {
  it('reads the history stream from its start, isolates bad records and keeps failures', () => {
    const mappings = resourcesOfType(prod.json, 'AWS::Lambda::EventSourceMapping');
    // History (pointer changes), versions and jobs (the deploys' OpenLineage runs).
    expect(mappings).toHaveLength(3);
    const mapping = mappings[0]![1].Properties!;
    expect(referencedIds(mapping.EventSourceArn)).toEqual([logicalId(prod.stack.storage.tables.history)]);
    expect(referencedIds(mapping.FunctionName)).toEqual([logicalId(prod.stack.pointerEvents.publisher)]);
    expect(mapping).toMatchObject({
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ParallelizationFactor: 1,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'] }) }] },
    });
    expect(referencedIds(mapping.DestinationConfig.OnFailure.Destination)).toEqual([logicalId(prod.stack.pointerEvents.failureQueue)]);
  });

  it('reads the versions and jobs streams for the deploys\' OpenLineage runs, filtered to version records and ended jobs', () => {
    const mappings = resourcesOfType(prod.json, 'AWS::Lambda::EventSourceMapping').map(([, r]) => r.Properties!);
    const of = (table: Parameters<typeof logicalId>[0]): any => mappings.find((m) => referencedIds(m.EventSourceArn).includes(logicalId(table)))!;
    const versions = of(prod.stack.storage.tables.versions);
    const jobs = of(prod.stack.storage.tables.jobs);
    for (const m of [versions, jobs]) {
      expect(referencedIds(m.FunctionName)).toEqual([logicalId(prod.stack.pointerEvents.publisher)]);
      expect(m).toMatchObject({ StartingPosition: 'TRIM_HORIZON', FunctionResponseTypes: ['ReportBatchItemFailures'], ParallelizationFactor: 1 });
    }
    expect(JSON.parse(versions.FilterCriteria.Filters[0].Pattern)).toEqual({ eventName: ['INSERT'], dynamodb: { Keys: { sk: { S: [{ prefix: 'V#' }] } } } });
    expect(JSON.parse(jobs.FilterCriteria.Filters[0].Pattern)).toEqual({ eventName: ['MODIFY'], dynamodb: { NewImage: { sk: { S: ['JOB'] }, status: { S: ['failed', 'cancelled'] } } } });
  });

  it('publishes only to Rewind\'s bus, which archives every pointer event', () => {
    const statements = statementsOfRole(prod.json, logicalId(prod.stack.pointerEvents.publisher.functionRole));
    const putEvents = statements.filter((s) => actionsOf(s).includes('events:PutEvents'));
    expect(putEvents.map((s) => resourcesOf(s).flatMap(referencedIds))).toEqual([[logicalId(prod.stack.pointerEvents.bus)]]);
    const archive = resourcesOfType(prod.json, 'AWS::Events::Archive')[0]![1].Properties!;
    expect(archive.EventPattern).toEqual({ source: [POINTER_EVENT_SOURCE] });
    // The publisher reads no table through the store: no table names, no grants on tables.
    expect(Object.values(dynamoActions('publish-pointer-events')).every((actions) => writes(actions).length === 0)).toBe(true);
  });
});

describe('artifact events and drift alarms', () => {
  const DRIFT_ALARMS_ARN = `arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${driftAlarmPrefix()}*`;
  // The per-version heartbeat alarms, synced beside the drift alarms, are ops-named (they page, never roll back).
  const HEARTBEAT_ALARMS_ARN = `arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${monitorAlarmPrefix()}*`;
  const cloudwatchStatements = (handler: string) =>
    statementsOfRole(prod.json, logicalId(fn(handler).functionRole))
      .filter((s) => actionsOf(s).some((a) => a.startsWith('cloudwatch:')))
      .map((s) => ({ actions: actionsOf(s).sort(), resources: resourcesOf(s).map(render) }));
  const putEventsBuses = (handler: string) =>
    statementsOfRole(prod.json, logicalId(fn(handler).functionRole))
      .filter((s) => actionsOf(s).includes('events:PutEvents'))
      .map((s) => resourcesOf(s).flatMap(referencedIds));
  const env = (handler: string) => resource(prod, logicalId(fn(handler))).Properties!.Environment.Variables as Record<string, unknown>;

  it('lets only the outbox publisher (and the republish route, which replays its events) know the bus and put events on it: every event leaves through the outbox', () => {
    const bus = logicalId(prod.stack.pointerEvents.bus);
    const publishers = ['publish-pointer-events', 'republish-events'];
    for (const handler of publishers) expect({ handler, bus: referencedIds(env(handler)[EVENT_BUS_ENV]), putEvents: putEventsBuses(handler) }).toEqual({ handler, bus: [bus], putEvents: [[bus]] });
    for (const handler of allHandlers().filter((h) => !publishers.includes(h))) {
      expect({ handler, bus: env(handler)[EVENT_BUS_ENV], putEvents: putEventsBuses(handler) }).toEqual({ handler, bus: undefined, putEvents: [] });
    }
  });

  it('grants CloudWatch on drift alarms only: the bake check reads them, sync-alarms manages them, nobody else touches any (the drift route reads metrics only)', () => {
    expect(cloudwatchStatements('promote-canaries')).toEqual([{ actions: ['cloudwatch:DescribeAlarmHistory', 'cloudwatch:DescribeAlarms'], resources: [HEARTBEAT_ALARMS_ARN, DRIFT_ALARMS_ARN] }]);
    expect(cloudwatchStatements('sync-alarms')).toEqual([{ actions: ['cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:PutMetricAlarm'], resources: [HEARTBEAT_ALARMS_ARN, DRIFT_ALARMS_ARN] }]);
    for (const handler of allHandlers()) {
      const level = FUNCTION_ACCESS[handler]?.driftAlarms;
      // GET /views/{view}/drift reads metrics, which IAM scopes by no resource (merged by CDK with X-Ray's, also "*").
      const metricData = FUNCTION_ACCESS[handler]?.metricData ? [{ actions: ['cloudwatch:GetMetricData', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'], resources: ['*'] }] : [];
      const expected = [...(level ? [{ actions: [...CLOUDWATCH_ACTIONS[level]].sort(), resources: [HEARTBEAT_ALARMS_ARN, DRIFT_ALARMS_ARN] }] : []), ...metricData];
      expect({ handler, cloudwatch: cloudwatchStatements(handler) }).toEqual({ handler, cloudwatch: expected });
    }
    // The ops alarms (ops-…) and the teams' model alarms are outside that prefix.
    expect(DRIFT_ALARMS_ARN.endsWith(':alarm:rewind-drift-*')).toBe(true);
    expect(Object.entries(FUNCTION_ACCESS).filter(([, a]) => a.metricData).map(([h]) => h)).toEqual(['get-drift']);
  });

  it('sync-alarms reads versions and pointers, and writes no table and no object', () => {
    const actions = dynamoActions('sync-alarms');
    for (const id of tableIds) expect({ id, writes: writes(actions[id]) }).toEqual({ id, writes: [] });
    expect([...actions.versions].sort()).toEqual([...DYNAMODB_ACTIONS.read].sort());
    expect([...actions.pointers].sort()).toEqual([...DYNAMODB_ACTIONS.read].sort());
    expect(s3Statements('sync-alarms')).toEqual([]);
  });

  it('syncs alarms on pointer events from Rewind\'s bus, with retries and a dead-letter queue like the rollback rule', () => {
    const rule = resource(prod, logicalId(prod.stack.alarmSync.rule)).Properties!;
    expect(referencedIds(rule.EventBusName)).toEqual([logicalId(prod.stack.pointerEvents.bus)]);
    expect(rule.EventPattern).toEqual(SYNC_ALARMS_RULE.pattern);
    expect(rule.EventPattern).toEqual({
      source: [POINTER_EVENT_SOURCE],
      'detail-type': ['FeatureViewActivated', 'FeatureViewCanaryStarted', 'FeatureViewShadowStarted', 'FeatureViewPromoted', 'FeatureViewRolledBack'],
    });
    const event = (detailType: string, source = POINTER_EVENT_SOURCE) => ({ source, 'detail-type': detailType, detail: { view: 'user_profile' } });
    for (const type of ['FeatureViewActivated', 'FeatureViewPromoted', 'FeatureViewCanaryStarted', 'FeatureViewRolledBack']) expect(matchesEventPattern(rule.EventPattern, event(type))).toBe(true);
    for (const type of [POINTER_DETAIL_TYPES.disable, POINTER_DETAIL_TYPES.enable, 'FeatureArtifactRefreshed']) expect(matchesEventPattern(rule.EventPattern, event(type))).toBe(false);
    expect(matchesEventPattern(rule.EventPattern, event('FeatureViewActivated', 'someone.else'))).toBe(false);

    const dlq = logicalId(prod.stack.alarmSync.deadLetterQueue);
    expect(referencedIds(rule.Targets[0].Arn)).toEqual([logicalId(fn('sync-alarms'))]);
    expect(rule.Targets[0]).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 } });
    expect(referencedIds(rule.Targets[0].DeadLetterConfig.Arn)).toEqual([dlq]);
    const invokeConfigs = resourcesOfType(prod.json, 'AWS::Lambda::EventInvokeConfig').filter(([, c]) => referencedIds(c.Properties!.FunctionName).includes(logicalId(fn('sync-alarms'))));
    expect(invokeConfigs).toHaveLength(1);
    expect(invokeConfigs[0]![1].Properties).toMatchObject({ MaximumRetryAttempts: 2 });
    expect(referencedIds(invokeConfigs[0]![1].Properties!.DestinationConfig.OnFailure.Destination)).toEqual([dlq]);
    expect(resource(prod, dlq).Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    const alarm = resource(prod, logicalId(prod.stack.alarmSync.deadLetterAlarm)).Properties!;
    expect(String(alarm.AlarmName).startsWith(OPS_ALARM_PREFIX)).toBe(true);
  });

  it('runs the bake check every minute, without retries (the next run is the retry)', () => {
    const schedule = resource(prod, logicalId(prod.stack.canaryPromotion.schedule)).Properties!;
    expect(schedule.ScheduleExpression).toBe('rate(1 minute)');
    expect(referencedIds(schedule.Targets[0].Arn)).toEqual([logicalId(fn('promote-canaries'))]);
    expect(schedule.Targets[0]).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 0 } });
  });
});

describe('drift alarms live and die with the stack (the custom resource)', () => {
  const syncAlarms = () => logicalId(fn('sync-alarms'));
  const customResources = (s: Synthesized) => resourcesOfType(s.json, DRIFT_ALARMS_RESOURCE_TYPE);
  const dependsOn = (r: CfnResource) => [r.DependsOn ?? []].flat();
  const policiesOf = (s: Synthesized, roleId: string) => resourcesOfType(s.json, 'AWS::IAM::Policy').filter(([, p]) => referencedIds(p.Properties!.Roles).includes(roleId)).map(([id]) => id);

  it('has one custom resource, whose service token is the Provider framework, whose onEvent handler is sync-alarms', () => {
    expect(customResources(prod)).toHaveLength(1);
    const [id, custom] = customResources(prod)[0]!;
    expect(id).toBe(logicalId(prod.stack.driftAlarms.resource));
    expect(custom.Properties!.Service).toBe(DEFAULT_SERVICE_NAME);
    const [frameworkId] = referencedIds(custom.Properties!.ServiceToken);
    expect(referencedIds(prod.stack.resolve(prod.stack.driftAlarms.provider.serviceToken))).toEqual([frameworkId]);
    const framework = resource(prod, frameworkId!);
    expect(framework.Type).toBe('AWS::Lambda::Function');
    expect(framework.Properties!.Handler).toBe('framework.onEvent');
    expect(referencedIds(framework.Properties!.Environment.Variables.USER_ON_EVENT_FUNCTION_ARN)).toEqual([syncAlarms()]);
  });

  it('is deleted after the alarm-sync rule (nothing puts alarms during the purge) and before sync-alarms, its role and its policy', () => {
    const customId = logicalId(prod.stack.driftAlarms.resource);
    // CloudFormation deletes a resource after everything that depends on it.
    expect(dependsOn(resource(prod, logicalId(prod.stack.alarmSync.rule)))).toContain(customId);
    const role = logicalId(fn('sync-alarms').functionRole);
    expect(dependsOn(resource(prod, customId))).toEqual(expect.arrayContaining([syncAlarms(), role, ...policiesOf(prod, role)]));
    expect(policiesOf(prod, role)).toHaveLength(1);
  });

  it('purges in both postures: alarms are not data', () => {
    for (const s of [prod, dev]) {
      expect(customResources(s)).toHaveLength(1);
      expect(customResources(s)[0]![1].DeletionPolicy).toBe('Delete');
    }
  });

  it('keeps the purge inside the service\'s drift alarms; sync-alarms may describe its own stack only; the framework may invoke sync-alarms only', () => {
    const syncRole = logicalId(fn('sync-alarms').functionRole);
    const statements = statementsOfRole(prod.json, syncRole).map((st) => ({ actions: actionsOf(st).sort(), resources: resourcesOf(st).map(render) }));
    expect(statements.filter((st) => st.actions.some((a) => a.startsWith('cloudwatch:')))).toEqual([
      {
        actions: ['cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:PutMetricAlarm'],
        resources: [`arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${monitorAlarmPrefix()}*`, `arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${driftAlarmPrefix()}*`],
      },
    ]);
    expect(statements.filter((st) => st.actions.some((a) => a.startsWith('cloudformation:')))).toEqual([{ actions: ['cloudformation:DescribeStacks'], resources: ['<AWS::StackId>'] }]);

    const frameworkRole = logicalId(prod.stack.driftAlarms.frameworkRole);
    expect(resource(prod, frameworkRole).Properties!.ManagedPolicyArns).toBeUndefined();
    const framework = statementsOfRole(prod.json, frameworkRole).map((st) => ({ actions: actionsOf(st).sort(), resources: resourcesOf(st).map(render) }));
    expect(framework).toEqual([
      { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`<${logicalId(prod.stack.driftAlarms.frameworkLogGroup)}.Arn>`] },
      { actions: ['lambda:InvokeFunction'], resources: [`<${syncAlarms()}.Arn>`, `<${syncAlarms()}.Arn>:*`] },
      { actions: ['lambda:GetFunction'], resources: [`<${syncAlarms()}.Arn>`] },
    ]);
  });
});

describe('two stacks in one account and region (rewind:stackName) keep apart', () => {
  // A dev stack beside prod: CloudWatch metrics, alarms and the default event bus are shared.
  let other: Synthesized;
  beforeAll(() => {
    other = synthesize({ 'rewind:stackName': 'RewindDev' });
  });
  const functionsOf = (s: Synthesized) => [...Object.values(s.stack.functions.byHandler), s.stack.pointerEvents.publisher];
  const serviceNames = (s: Synthesized) => new Set(functionsOf(s).map((f) => resource(s, logicalId(f)).Properties!.Environment.Variables[SERVICE_NAME_ENV]));
  const rulePrefixes = (s: Synthesized) => resource(s, logicalId(s.stack.rollbackAutomation.rule)).Properties!.EventPattern.detail.alarmName;
  const cloudwatchResources = (s: Synthesized, handler: string) =>
    statementsOfRole(s.json, logicalId(s.stack.functions.get(handler).functionRole))
      .filter((st) => actionsOf(st).some((a) => a.startsWith('cloudwatch:')))
      .flatMap((st) => resourcesOf(st).map(render));
  const alarmArn = (service: string) => `arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:${service}-drift-*`;
  const heartbeatArn = (service: string) => `arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:ops-${service}-monitor-*`;

  it('gives every function its stack\'s service name: rewind for the default stack, rewind-<name> for another', () => {
    expect(prod.stack.serviceName).toBe(DEFAULT_SERVICE_NAME);
    expect(other.stack.serviceName).toBe('rewind-rewinddev');
    expect(serviceNames(prod)).toEqual(new Set(['rewind']));
    expect(serviceNames(other)).toEqual(new Set(['rewind-rewinddev']));
  });

  it('makes each rollback rule listen for its own stack\'s alarm names', () => {
    expect(rulePrefixes(prod)).toEqual([{ prefix: 'rewind-' }]);
    expect(rulePrefixes(other)).toEqual([{ prefix: 'rewind-rewinddev-' }]);
    const otherPattern = deployed(resource(other, logicalId(other.stack.rollbackAutomation.rule)).Properties!.EventPattern);
    const event = (alarmName: string) => ({ account: '<AWS::AccountId>', region: '<AWS::Region>', source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', detail: { alarmName, state: { value: 'ALARM' } } });
    expect(matchesEventPattern(otherPattern, event(driftAlarmName('user_profile', 'psi', 'rewind-rewinddev')))).toBe(true);
    expect(matchesEventPattern(otherPattern, event(driftAlarmName('user_profile', 'psi')))).toBe(false);
  });

  it('gives each stack\'s drift-alarm custom resource its own service', () => {
    expect(resourcesOfType(other.json, DRIFT_ALARMS_RESOURCE_TYPE).map(([, r]) => r.Properties!.Service)).toEqual(['rewind-rewinddev']);
  });

  it('scopes each stack\'s CloudWatch grants to its own drift alarms', () => {
    for (const handler of ['sync-alarms', 'promote-canaries']) {
      expect({ handler, resources: cloudwatchResources(prod, handler) }).toEqual({ handler, resources: [heartbeatArn('rewind'), alarmArn('rewind')] });
      expect({ handler, resources: cloudwatchResources(other, handler) }).toEqual({ handler, resources: [heartbeatArn('rewind-rewinddev'), alarmArn('rewind-rewinddev')] });
    }
  });
});

describe('outputs', () => {
  it('gives the API URL, the bus, the bucket and every table name', () => {
    const outputs = prod.json.Outputs!;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'EventBusName', 'SnapshotBucketName', ...TABLES.map((t) => `${t.id[0]!.toUpperCase()}${t.id.slice(1)}TableName`)]),
    );
    for (const spec of TABLES) {
      const [, output] = Object.entries(outputs).find(([, o]) => o.Description === spec.envVar)!;
      expect(referencedIds(output.Value)).toEqual([logicalId(prod.stack.storage.tables[spec.id])]);
    }
  });
});

describe('the outputs → environment of a deployed run (test:deployed, test:localstack)', () => {
  it('maps every output the stack declares to the variable the code reads', () => {
    const outputs = Object.fromEntries(Object.keys(prod.json.Outputs!).map((key) => [key, `value-of-${key}`]));
    const env = environmentFromOutputs({ Rewind: outputs }, 'Rewind', 'cdk-outputs.json');
    expect(env.REWIND_API_URL).toBe('value-of-ApiUrl');
    expect(env[SNAPSHOT_BUCKET_ENV]).toBe('value-of-SnapshotBucketName');
    for (const spec of TABLES) expect(env[spec.envVar]).toMatch(/^value-of-.+TableName$/);
  });

  it('says what to run when the stack was not deployed', () => {
    expect(() => environmentFromOutputs({}, 'Rewind', 'cdk-outputs.json')).toThrow('npm run deploy -- --outputs-file cdk-outputs.json');
    expect(() => localStackEnvironment({}, 'Rewind')).toThrow('npm run deploy:localstack');
  });

  it('points the LocalStack run at LocalStack for every SDK call', () => {
    const outputs = Object.fromEntries(Object.keys(prod.json.Outputs!).map((key) => [key, `value-of-${key}`]));
    expect(localStackEnvironment({ Rewind: outputs }, 'Rewind')).toMatchObject({ AWS_ENDPOINT_URL: expect.stringMatching(/^http/), REWIND_API_URL: 'value-of-ApiUrl' });
  });
});

describe('template snapshot', () => {
  it('is unchanged unless the infrastructure changed on purpose (update with jest -u)', () => {
    expect(normalized(prod.json)).toMatchSnapshot();
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Asset hashes change with every edit to any function's code; the template's shape does not. */
function normalized(json: unknown): unknown {
  return JSON.parse(JSON.stringify(json).replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '[hash]$1'));
}

describe('fast detection and a monitor that cannot go quiet (issues 13 item 6, 15 items 1 and 7)', () => {
  const template = () => prod.template;

  it('runs the monitor each minute in 10-second rounds, with 10 s alarm periods and 5 s sample flushes', () => {
    template().hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 minute)', Description: Match.stringLikeRegexp('drift monitor.*10-second rounds') });
    template().hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 58,
      Environment: { Variables: Match.objectLike({ REWIND_MONITOR_ROUND_SECONDS: '10', REWIND_ALARM_PERIOD_SECONDS: '10' }) },
    });
    template().hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ REWIND_SAMPLE_FLUSH_MS: '5000' }) } });
  });

  it.each(['drift-monitor-errors', 'drift-monitor-skipped-views', 'drift-monitor-duration'])('alarms (ops, never the rollback prefix) on the monitor\'s %s', (name) => {
    template().hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: Match.stringLikeRegexp(`^ops-.*-${name}$`), Namespace: 'Rewind', Dimensions: [{ Name: 'service', Value: 'rewind' }] });
  });
});
