/**
 * `npm run test:stand-in`: the deployed-mode run (test/deployed/run.ts) against a stand-in
 * for a deployed stack on this machine, so the path LocalStack and AWS take is proven without
 * Docker or an account: a Rewind in this process on emulators of its own, whose gateway
 * accepts only RS256 tokens from a test OIDC issuer, found through the issuer's discovery
 * document and JWKS as API Gateway's JWT authorizer finds them. The suites run in separate
 * jest processes and reach it only over HTTP and through the endpoint settings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalRewind } from '../../local/runtime';
import { ISSUER_KEY_ENV, saveIssuerKey, startIssuer } from '../support/oidc-issuer';
import { runDeployedSuites } from './run';

async function main(jestArgs: string[]): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const dir = mkdtempSync(join(tmpdir(), 'rewind-stand-in-'));
  const issuer = await startIssuer();
  try {
    const stack = await startLocalRewind({
      port: 0,
      tablePrefix: 'stand-in',
      bucket: 'stand-in-snapshots',
      trustedIssuer: { issuer: issuer.key.issuer, audience: issuer.key.audience },
      monitoring: false,
    });
    try {
      const keyFile = join(dir, 'issuer-key.json');
      saveIssuerKey(keyFile, issuer.key);
      // The stack's environment names its tables, bucket and endpoints, as its outputs would.
      return await runDeployedSuites({ ...stack.env, REWIND_API_URL: stack.url, [ISSUER_KEY_ENV]: keyFile }, jestArgs);
    } finally {
      await stack.stop();
    }
  } finally {
    await issuer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('stand-in:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
