/**
 * The LocalStack profile (needs Docker and a LocalStack auth token: HTTP APIs, i.e. API
 * Gateway v2, are not in LocalStack's free tier).
 *
 *   docker compose up -d localstack
 *   npm run deploy:localstack     # cdklocal bootstrap + deploy, outputs → cdk.out/localstack-outputs.json
 *   npm run test:localstack       # the integration + e2e suites on LocalStack's DynamoDB and S3,
 *                                 # then the deployed-stack smoke test (test/deployed/smoke.test.ts)
 *
 * `test` first runs the integration and end-to-end suites with AWS_ENDPOINT_URL at LocalStack:
 * their global setup then starts no emulators, each suite creates its tables and bucket in
 * LocalStack, and the handlers run in process exactly as against DynamoDB Local and s3rver.
 * Then it runs the smoke test against the deployment with the environment its outputs imply:
 * REWIND_API_URL (the deployed API) and the table and bucket names, plus REWIND_TEST_TOKENS
 * (tokens from the stack's issuer: API Gateway cannot accept the local HS256 tokens, so the
 * suites above cannot be pointed at the deployed API itself).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SNAPSHOT_BUCKET_ENV, TABLES } from '../contract/tables';
import { PROJECT_ROOT } from './bundling';
import { DEFAULT_STACK_NAME } from './rewind-app';

export const OUTPUTS_FILE = join(PROJECT_ROOT, 'cdk.out', 'localstack-outputs.json');
const ENDPOINT = process.env.AWS_ENDPOINT_URL ?? 'http://localhost.localstack.cloud:4566';
const STACK = process.env.REWIND_STACK_NAME ?? DEFAULT_STACK_NAME;

/** LocalStack accepts any credentials; these keep the SDK from looking for real ones. */
const LOCAL_AWS = {
  AWS_ENDPOINT_URL: ENDPOINT,
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'test',
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  AWS_DEFAULT_REGION: process.env.AWS_REGION ?? 'us-east-1',
  CDK_DISABLE_VERSION_CHECK: '1',
};

/**
 * The environment that points the suites at a deployed stack, from its outputs.
 *
 * @example environmentFromOutputs({ Rewind: { ApiUrl: 'https://…', VersionsTableName: 'Rewind-…' } })
 */
export function environmentFromOutputs(outputs: Record<string, Record<string, string>>, stack = STACK): Record<string, string> {
  const values = outputs[stack];
  if (!values) throw new Error(`no outputs for stack ${stack} in ${OUTPUTS_FILE}: run npm run deploy:localstack first`);
  const need = (key: string) => {
    const value = values[key];
    if (!value) throw new Error(`stack output ${key} is missing from ${OUTPUTS_FILE}`);
    return value;
  };
  const env: Record<string, string> = {
    REWIND_API_URL: need('ApiUrl').replace(/\/$/, ''),
    [SNAPSHOT_BUCKET_ENV]: need('SnapshotBucketName'),
    REWIND_S3_FORCE_PATH_STYLE: 'true',
  };
  for (const spec of TABLES) env[spec.envVar] = need(`${spec.id[0]!.toUpperCase()}${spec.id.slice(1)}TableName`);
  return env;
}

function run(command: string, args: string[], env: Record<string, string>): void {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: PROJECT_ROOT, env: { ...process.env, ...env } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

async function assertLocalStackUp(): Promise<void> {
  try {
    const res = await fetch(`${ENDPOINT}/_localstack/health`);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  } catch (error) {
    throw new Error(`LocalStack is not answering at ${ENDPOINT} (${(error as Error).message}): docker compose up -d localstack`);
  }
}

async function main(command: string | undefined, extra: string[]): Promise<void> {
  if (command === 'deploy') {
    await assertLocalStackUp();
    const context = [
      '-c', 'rewind:deletionProtection=false',
      '-c', `rewind:jwtIssuer=${process.env.REWIND_JWT_ISSUER ?? 'https://localhost.localstack.cloud/rewind-test-issuer/'}`,
      '-c', `rewind:jwtAudience=${process.env.REWIND_JWT_AUDIENCE ?? 'rewind'}`,
    ];
    run('npx', ['cdklocal', 'bootstrap', ...context], LOCAL_AWS);
    run('npx', ['cdklocal', 'deploy', STACK, '--require-approval', 'never', '--outputs-file', OUTPUTS_FILE, ...context, ...extra], LOCAL_AWS);
    return;
  }
  if (command === 'test') {
    if (!existsSync(OUTPUTS_FILE)) throw new Error(`${OUTPUTS_FILE} not found: run npm run deploy:localstack first`);
    const env = environmentFromOutputs(JSON.parse(readFileSync(OUTPUTS_FILE, 'utf8')) as Record<string, Record<string, string>>);
    if (!process.env.REWIND_TEST_TOKENS) console.warn('REWIND_TEST_TOKENS is not set: the smoke test needs a viewer and a deployer token from the stack issuer (README, LocalStack profile).');
    // The integration and end-to-end suites, unchanged, on LocalStack's DynamoDB and S3 (the
    // handlers run in this process, as they do against the emulators) …
    run('npx', ['jest', '--selectProjects', 'integration', ...extra], LOCAL_AWS);
    // … and the deployed API itself, through API Gateway's JWT authorizer and the functions.
    run('npx', ['jest', '--config', 'jest.deployed.config.js', ...extra], { ...LOCAL_AWS, ...env });
    return;
  }
  if (command === 'destroy') {
    run('npx', ['cdklocal', 'destroy', STACK, '--force', '-c', 'rewind:deletionProtection=false'], LOCAL_AWS);
    return;
  }
  throw new Error('usage: tsx infra/localstack.ts deploy|test|destroy [extra args]');
}

if (require.main === module) {
  const [command, ...extra] = process.argv.slice(2);
  main(command, extra).catch((error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  });
}
