import { Tags, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFAULT_STACK_NAME } from '../contract/service';
import { configFromContext } from './config';
import { RewindStack } from './rewind-stack';

export { DEFAULT_STACK_NAME };

/**
 * Adds the Rewind stack to `app`, configured from the app's context, with cdk-nag's
 * AwsSolutions checks. The stack name comes from context `rewind:stackName` (one account
 * can hold a prod and a dev stack): it also gives the stack its service name
 * (contract/service.ts `serviceNameForStack`), which keeps the two stacks' drift metrics,
 * drift alarms and alarm → rollback rules apart.
 *
 * @example createRewindApp(new App({ context: { 'rewind:jwtIssuer': 'https://login.example.com/' } }))
 */
export function createRewindApp(app: App): RewindStack {
  const config = configFromContext(app.node);
  const stackName = (app.node.tryGetContext('rewind:stackName') as string | undefined) ?? DEFAULT_STACK_NAME;
  // Environment-agnostic on purpose (no `env`): synthesis needs no account and looks
  // nothing up; the account and region are those of the credentials that deploy it.
  const stack = new RewindStack(app, stackName, { config });
  Tags.of(stack).add('app', 'rewind');
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return stack;
}
