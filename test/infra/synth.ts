/**
 * Synthesizes the Rewind stack the way `npx cdk synth` does (the same app factory and the
 * feature flags of cdk.json), offline, with bundling skipped: the bundles are built and
 * measured by bundles.test.ts with the same esbuild settings.
 */
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import cdkJson from '../../cdk.json';
import { createRewindApp } from '../../infra/rewind-app';
import type { RewindStack } from '../../infra/rewind-stack';

export const TEST_ISSUER = 'https://login.example.com/';
export const TEST_AUDIENCE = 'rewind-api';

export interface Synthesized {
  app: App;
  stack: RewindStack;
  template: Template;
  json: CfnTemplate;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  DependsOn?: string | string[];
  Metadata?: Record<string, unknown>;
}
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

/** Synthesizes with cdk.json's context plus `context`. Throws if cdk-nag finds anything unacknowledged. */
export function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const app = new App({
    analyticsReporting: false,
    context: {
      ...cdkJson.context,
      // Skip esbuild here; bundles.test.ts builds every bundle.
      'aws:cdk:bundling-stacks': [],
      'rewind:jwtIssuer': TEST_ISSUER,
      'rewind:jwtAudience': TEST_AUDIENCE,
      ...context,
    },
  });
  const stack = createRewindApp(app);
  app.synth();
  const template = Template.fromStack(stack);
  return { app, stack, template, json: template.toJSON() as CfnTemplate };
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);
}

export function resourcesOfType(json: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/** The logical ids a CloudFormation value refers to (Ref, Fn::GetAtt), anywhere inside it. */
export function referencedIds(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value === null || typeof value !== 'object') return [];
  const object = value as Record<string, unknown>;
  if (typeof object.Ref === 'string') return [object.Ref];
  if (Array.isArray(object['Fn::GetAtt'])) return [String(object['Fn::GetAtt'][0])];
  return Object.values(object).flatMap(referencedIds);
}

/** The literal text of a CloudFormation string value, with references as `<Id.Attr>`. */
export function render(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(render).join(',');
  if (value === null || typeof value !== 'object') return String(value);
  const object = value as Record<string, any>;
  if (typeof object.Ref === 'string') return `<${object.Ref}>`;
  if (Array.isArray(object['Fn::GetAtt'])) return `<${object['Fn::GetAtt'].join('.')}>`;
  if (Array.isArray(object['Fn::Join'])) return (object['Fn::Join'][1] as unknown[]).map(render).join(object['Fn::Join'][0]);
  return JSON.stringify(object);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every statement of every policy attached to the role with logical id `roleId`. */
export function statementsOfRole(json: CfnTemplate, roleId: string): Statement[] {
  return resourcesOfType(json, 'AWS::IAM::Policy')
    .filter(([, p]) => referencedIds(p.Properties?.Roles).includes(roleId))
    .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as Statement[]);
}

export function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: Statement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}
