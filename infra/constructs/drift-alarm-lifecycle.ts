import { CustomResource, Stack, Validations, type CfnElement, type RemovalPolicy } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import type { RewindFunction } from './rewind-function';

/** The custom resource's CloudFormation type (`Custom::` + a name of ours). */
export const DRIFT_ALARMS_RESOURCE_TYPE = 'Custom::RewindDriftAlarms';

export interface DriftAlarmLifecycleProps {
  /** sync-alarms: it creates the drift alarms at runtime, and purges them here (functions/sync-alarms.ts). */
  handler: RewindFunction;
  /**
   * What invokes `handler` on its own and could put alarms again (the alarm-sync rule): each
   * is made to depend on the custom resource, so CloudFormation deletes it BEFORE the purge runs.
   */
  triggers: readonly IConstruct[];
  /** How long the Provider framework function's log group keeps logs. */
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/**
 * The drift alarms' lifecycle, tied to the stack's. The alarms (`<service>-drift-<view>-<check>`)
 * are created at runtime by sync-alarms, so they are not in the template and `cdk destroy`
 * would leave them behind. A custom resource, whose onEvent handler (through the CDK Provider
 * framework) is sync-alarms itself, closes the loop:
 * - Create / Update: sync every view (the first deploy, or the upgrade that adds this resource,
 *   gives views activated earlier their alarms; idempotent, like every sync).
 * - Delete: purge every drift alarm of the service, if the stack itself is being deleted (not
 *   when an update is rolled back or this resource replaced: the views still need their alarms).
 *
 * Alarms are not data: they are purged in both postures, deletionProtection on or off (the
 * tables, the bucket and the logs they are rebuilt from stay per the posture).
 *
 * Deletion order. CloudFormation deletes a resource only after everything that depends on it:
 * - each trigger (the alarm-sync rule) depends on this resource, so it is deleted FIRST: when
 *   the purge runs, no pointer event can reach sync-alarms any more. (An event already in
 *   Lambda's async queue may still be retried after the purge, for up to an hour; README
 *   says how to list what is left.)
 * - this resource depends on sync-alarms' function, its role and the role's policy (the
 *   Provider's service token already implies the function), so they are deleted AFTER it: the
 *   framework can still invoke the function, and the function may still DescribeStacks and
 *   DeleteAlarms.
 * On creation the same order runs the first sync before a new stack's rule exists: a new
 * stack has no views yet, and on the upgrade that adds this resource the rule already runs;
 * both sync from the current pointers, so they converge.
 *
 * Why the Provider framework, not sync-alarms as the service token itself: CloudFormation
 * invokes a Lambda service token asynchronously, which would send its events through
 * sync-alarms' retries and dead-letter queue, and the function would have to answer the
 * response URL itself. The framework invokes it synchronously and always answers.
 */
export class DriftAlarmLifecycle extends Construct {
  public readonly provider: Provider;
  public readonly resource: CustomResource;
  /** The framework function's role: its log group, and invoking `handler`. */
  public readonly frameworkRole: Role;
  public readonly frameworkLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: DriftAlarmLifecycleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { handler } = props;

    // Before a purge: is the stack being deleted, or only rolled back? Its own stack only.
    handler.functionRole.addToPrincipalPolicy(new PolicyStatement({ actions: ['cloudformation:DescribeStacks'], resources: [stack.stackId] }));

    // Our own role and log group for the framework function: no AWS managed policy, logs that expire.
    this.frameworkLogGroup = new LogGroup(this, 'ProviderLogs', { retention: props.logRetention, removalPolicy: props.logRemovalPolicy });
    this.frameworkRole = new Role(this, 'ProviderRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Rewind drift-alarm lifecycle: the CDK Provider framework, which may invoke ${handler.handlerName} only`,
    });
    this.frameworkLogGroup.grantWrite(this.frameworkRole);

    this.provider = new Provider(this, 'Provider', {
      onEventHandler: handler,
      frameworkOnEventRole: this.frameworkRole,
      logGroup: this.frameworkLogGroup,
    });

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.provider.serviceToken,
      resourceType: DRIFT_ALARMS_RESOURCE_TYPE,
      // Informative; it never changes for a stack, so Update comes only with a new property.
      properties: { Service: handler.serviceName },
    });
    this.resource.node.addDependency(handler.node.defaultChild!, handler.functionRole);
    for (const trigger of props.triggers) trigger.node.addDependency(this.resource);

    Validations.of(this.frameworkRole).acknowledge({
      // cdk-nag names the finding after the function's logical id, as the template renders it.
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(handler.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: `The CDK Provider framework grants lambda:InvokeFunction on ${handler.handlerName} and its versions and aliases (ARN:*); it is the one function this role may invoke.`,
    });
  }
}
