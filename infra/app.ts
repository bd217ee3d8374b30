/**
 * The CDK app (`npx cdk synth`, `npx cdk deploy`). Synthesizes offline: no lookups, no
 * Docker; the account and region come from the deploying credentials at deploy time.
 * cdk-nag's AwsSolutions pack runs on every synth: a new finding fails it.
 */
import { App } from 'aws-cdk-lib';
import { createRewindApp } from './rewind-app';

createRewindApp(new App());
