/**
 * The status of the CloudFormation stack a function belongs to, read by the stack's own id
 * (a custom-resource event carries it as `StackId`). sync-alarms asks it before purging its
 * service's drift alarms: a Delete of its custom resource means "the stack is going away" only
 * when the stack itself is being deleted, not when an update is rolled back or a replaced
 * resource is cleaned up (core/alarm-sync.ts).
 *
 * IAM: cloudformation:DescribeStacks on the stack's own ARN (infra/constructs/drift-alarm-lifecycle.ts).
 */
import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { StackStatusPort } from '../core/alarm-sync';

export type CloudFormationSender = Pick<CloudFormationClient, 'send'>;

export class CloudFormationStackStatus implements StackStatusPort {
  constructor(private readonly cloudformation: CloudFormationSender) {}

  /**
   * The stack's status (`DELETE_IN_PROGRESS`, `UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS`, …),
   * or undefined when CloudFormation describes no stack.
   *
   * @example await stacks.status('arn:aws:cloudformation:eu-west-1:123456789012:stack/Rewind/…') // 'DELETE_IN_PROGRESS'
   */
  async status(stackId: string): Promise<string | undefined> {
    // A stack id (not its name) also finds a stack that is being deleted.
    const described = await this.cloudformation.send(new DescribeStacksCommand({ StackName: stackId }));
    return described.Stacks?.[0]?.StackStatus;
  }
}
