/**
 * How every Lambda entry point is bundled, in one place: the stack's NodejsFunction props and
 * the bundle report (infra/bundle-report.ts) are both derived from `BUNDLE`, so the sizes the
 * report and its test measure are the sizes that get deployed.
 */
import { join } from 'node:path';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

export const PROJECT_ROOT = join(__dirname, '..');
export const FUNCTIONS_DIR = join(PROJECT_ROOT, 'functions');
export const LOCK_FILE = join(PROJECT_ROOT, 'package-lock.json');

/** The path of the entry point for a handler name from contract/ (e.g. 'get-online'). */
export function entryFor(handler: string): string {
  return join(FUNCTIONS_DIR, `${handler}.ts`);
}

export const BUNDLE = {
  /** Lambda's nodejs22.x runtime. */
  target: 'node22',
  format: 'cjs' as const,
  minify: true,
  /**
   * Function and class names survive minification, so stack traces in the logs stay
   * readable without source maps (which would cost cold-start time to load).
   */
  keepNames: true,
  /**
   * Prefer packages' ES module builds: esbuild can tree-shake those, while the CommonJS
   * builds of the AWS SDK and Powertools are kept whole.
   */
  mainFields: ['module', 'main'],
  /**
   * The AWS SDK v3 is bundled, not taken from the runtime: the runtime's copy is an older,
   * pinned minor version, and bundling runs in AWS exactly the SDK the tests ran against
   * (the SDK team's advice for production functions). The bundle report also measures the
   * runtime-SDK alternative (`@aws-sdk/*` external).
   */
  bundleAwsSdk: true,
} as const;

/** Modules left out of the bundle when the runtime's AWS SDK is used instead. */
export const RUNTIME_SDK_EXTERNALS = ['@aws-sdk/*'];

/** NodejsFunction bundling props: local esbuild only, never Docker, so synth works offline. */
export function nodejsBundling(): BundlingOptions {
  return {
    target: BUNDLE.target,
    format: BUNDLE.format === 'cjs' ? OutputFormat.CJS : OutputFormat.ESM,
    minify: BUNDLE.minify,
    keepNames: BUNDLE.keepNames,
    mainFields: [...BUNDLE.mainFields],
    sourceMap: false,
    bundleAwsSDK: BUNDLE.bundleAwsSdk,
    externalModules: BUNDLE.bundleAwsSdk ? [] : [...RUNTIME_SDK_EXTERNALS],
    esbuildArgs: { '--tree-shaking': 'true' },
    forceDockerBundling: false,
  };
}

/** The same bundle, as esbuild JS API options (what the bundle report builds). */
export function esbuildOptions(handler: string, options: { runtimeSdk?: boolean } = {}): BuildOptions {
  const bundleSdk = BUNDLE.bundleAwsSdk && !options.runtimeSdk;
  return {
    entryPoints: [entryFor(handler)],
    bundle: true,
    platform: 'node',
    target: BUNDLE.target,
    format: BUNDLE.format,
    minify: BUNDLE.minify,
    keepNames: BUNDLE.keepNames,
    mainFields: [...BUNDLE.mainFields],
    treeShaking: true,
    external: bundleSdk ? [] : [...RUNTIME_SDK_EXTERNALS],
    absWorkingDir: PROJECT_ROOT,
    outfile: join(PROJECT_ROOT, 'cdk.out', 'bundle-report', handler, 'index.js'),
    write: false,
    metafile: true,
    logLevel: 'silent',
  };
}
