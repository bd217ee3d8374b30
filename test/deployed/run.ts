/**
 * Runs the integration and end-to-end suites, and the smoke test, against a DEPLOYED Rewind:
 * `jest -c jest.deployed.config.js` with REWIND_API_URL set, so test/support/rewind.ts
 * reaches the stack over HTTP with tokens from the test issuer (REWIND_TEST_ISSUER) and reads
 * its tables and bucket through the usual AWS settings. Suites named `*.local.test.ts` drive
 * the local runtime in process and are left out.
 *
 *   npm run test:deployed -- [--outputs cdk-outputs.json] [--stack Rewind] [jest args…]
 *     against AWS: `npm run deploy -- --outputs-file cdk-outputs.json` first, with the stack's
 *     rewind:jwtIssuer set to an issuer whose key you hold (test/support/oidc-issuer.ts publish),
 *     REWIND_TEST_ISSUER naming that key file and AWS credentials that can read the tables.
 *
 * `npm run test:localstack` and `npm run test:stand-in` call runDeployedSuites themselves.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { environmentFromOutputs, type StackOutputs } from '../../infra/outputs';
import { PROJECT_ROOT } from '../../infra/bundling';
import { DEFAULT_STACK_NAME } from '../../infra/rewind-app';
import { ISSUER_KEY_ENV } from '../support/oidc-issuer';

/** Resolves with jest's exit code. */
export function runDeployedSuites(env: Record<string, string>, jestArgs: string[] = []): Promise<number> {
  for (const name of ['REWIND_API_URL', ISSUER_KEY_ENV]) if (!env[name]) throw new Error(`${name} must be set for a deployed run`);
  console.log(`deployed suites: ${env.REWIND_API_URL}`);
  const child = spawn(process.execPath, [require.resolve('jest/bin/jest'), '--config', 'jest.deployed.config.js', ...jestArgs], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const [, value] = args.splice(at, 2);
  return value;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const file = option(args, '--outputs') ?? 'cdk-outputs.json';
  const stack = option(args, '--stack') ?? process.env.REWIND_STACK_NAME ?? DEFAULT_STACK_NAME;
  const keyFile = process.env[ISSUER_KEY_ENV];
  try {
    if (!keyFile) throw new Error(`${ISSUER_KEY_ENV} must name the key file of the issuer the stack trusts (tsx test/support/oidc-issuer.ts publish …)`);
    const env = { ...environmentFromOutputs(JSON.parse(readFileSync(file, 'utf8')) as StackOutputs, stack, file), [ISSUER_KEY_ENV]: keyFile };
    void runDeployedSuites(env, args).then((code) => process.exit(code));
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
}
