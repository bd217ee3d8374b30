/**
 * Bundles every Lambda entry point with the stack's own esbuild settings (infra/bundling.ts)
 * and reports each bundle's size and the packages that weigh most in it.
 *
 *   npx tsx infra/bundle-report.ts            # table of sizes (SDK bundled, as deployed)
 *   npx tsx infra/bundle-report.ts --json     # machine-readable
 *   npx tsx infra/bundle-report.ts --why get-online hyparquet   # the import chain that pulls a module in
 *
 * The test in test/infra/bundles.test.ts enforces the limits below on the same builds.
 */
import { build, type Metafile } from 'esbuild';
import { esbuildOptions } from './bundling';
import { ALL_HANDLERS, SERVING_HANDLER } from './handlers';

export { ALL_HANDLERS, SERVING_HANDLER };

/** The serving function is on the hot path: a tighter budget and a shorter list. */
export const SERVING_LIMIT_BYTES = 1_000_000;
export const OTHER_LIMIT_BYTES = 5_000_000;
/** What the serving bundle must not carry (issue 3): Parquet, statistics, CDK. */
export const SERVING_FORBIDDEN: readonly RegExp[] = [
  // Parquet (and the other data-file formats, only deploys read them)
  /node_modules\/hyparquet\//,
  /node_modules\/hyparquet-writer\//,
  /node_modules\/csv-parse\//,
  // statistics: profiles, preflight checks, drift
  /^core\/stats\//,
  /^core\/validation\/(preflight|profiles)\.ts$/,
  /^core\/drift\.ts$/,
  // CDK
  /node_modules\/aws-cdk-lib\//,
  /node_modules\/constructs\//,
  /node_modules\/cdk-nag\//,
];

export interface BundleReport {
  handler: string;
  /** Minified JavaScript, as deployed (AWS SDK bundled). */
  bytes: number;
  /** The same bundle if the runtime's AWS SDK were used (`@aws-sdk/*` external); not measured when not asked. */
  bytesWithRuntimeSdk?: number;
  /** Input files (paths relative to the project root). */
  inputs: string[];
  /** Bytes in the output by package (or by top-level project directory). */
  byPackage: Record<string, number>;
  metafile: Metafile;
}

/** Builds one handler as deployed and, when asked, with the runtime's SDK too. */
export async function bundleReport(handler: string, options: { compareRuntimeSdk?: boolean } = {}): Promise<BundleReport> {
  const [deployed, runtimeSdk] = await Promise.all([
    build(esbuildOptions(handler)),
    options.compareRuntimeSdk ? build(esbuildOptions(handler, { runtimeSdk: true })) : undefined,
  ]);
  const metafile = deployed.metafile!;
  const output = Object.values(metafile.outputs)[0]!;
  const byPackage: Record<string, number> = {};
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const key = packageOf(file);
    byPackage[key] = (byPackage[key] ?? 0) + bytesInOutput;
  }
  return {
    handler,
    bytes: deployed.outputFiles![0]!.contents.byteLength,
    ...(runtimeSdk ? { bytesWithRuntimeSdk: runtimeSdk.outputFiles![0]!.contents.byteLength } : {}),
    inputs: Object.keys(output.inputs),
    byPackage,
    metafile,
  };
}

/** All handlers, a few at a time (esbuild is fast; memory is the limit). */
export async function bundleReports(handlers: readonly string[] = ALL_HANDLERS, options: { compareRuntimeSdk?: boolean } = {}): Promise<BundleReport[]> {
  const reports: BundleReport[] = [];
  for (let i = 0; i < handlers.length; i += 4) reports.push(...(await Promise.all(handlers.slice(i, i + 4).map((h) => bundleReport(h, options)))));
  return reports;
}

export function packageOf(file: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  return match ? match[1]! : file.split('/')[0]!;
}

/**
 * The chain of imports by which `pattern` gets into a bundle: entry → … → first matching
 * input. Undefined when it is not in it.
 */
export function importChain(metafile: Metafile, pattern: RegExp): string[] | undefined {
  const importers = new Map<string, string>();
  for (const [file, input] of Object.entries(metafile.inputs)) {
    for (const imported of input.imports) if (!importers.has(imported.path)) importers.set(imported.path, file);
  }
  const matching = Object.keys(metafile.inputs).filter((f) => pattern.test(f));
  // Start from where the module enters: a matching file imported by a non-matching one.
  const target = matching.find((f) => !pattern.test(importers.get(f) ?? '')) ?? matching[0];
  if (!target) return undefined;
  const chain = [target];
  for (let file = importers.get(target); file !== undefined && !chain.includes(file); file = importers.get(file)) chain.unshift(file);
  return chain;
}

export function violations(report: BundleReport): string[] {
  const limit = report.handler === SERVING_HANDLER ? SERVING_LIMIT_BYTES : OTHER_LIMIT_BYTES;
  const found: string[] = [];
  if (report.bytes > limit) found.push(`${report.handler}: ${kb(report.bytes)} is over its ${kb(limit)} limit`);
  if (report.handler === SERVING_HANDLER) {
    for (const pattern of SERVING_FORBIDDEN) {
      const chain = importChain(report.metafile, pattern);
      if (chain) found.push(`${report.handler} carries ${pattern}: ${chain.join(' → ')}`);
    }
  }
  return found;
}

export function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(0)} kB`;
}

function table(reports: BundleReport[]): string {
  const rows = reports
    .sort((a, b) => b.bytes - a.bytes)
    .map((r) => {
      const top = Object.entries(r.byPackage)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4)
        .map(([name, bytes]) => `${name} ${kb(bytes)}`)
        .join(', ');
      return `| ${r.handler} | ${kb(r.bytes)} | ${r.bytesWithRuntimeSdk === undefined ? '' : kb(r.bytesWithRuntimeSdk)} | ${top} |`;
    });
  return ['| function | bundle (SDK bundled, deployed) | with the runtime SDK | heaviest parts |', '|---|---:|---:|---|', ...rows].join('\n');
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === '--why') {
    const [, handler, module] = argv;
    if (!handler || !module) throw new Error('usage: bundle-report.ts --why <handler> <module pattern>');
    const report = await bundleReport(handler);
    const chain = importChain(report.metafile, new RegExp(module));
    console.log(chain ? chain.join('\n  → ') : `${module} is not in the ${handler} bundle`);
    return;
  }
  const reports = await bundleReports(ALL_HANDLERS, { compareRuntimeSdk: true });
  if (argv.includes('--json')) {
    console.log(JSON.stringify(reports.map(({ metafile: _m, inputs: _i, ...r }) => r), null, 2));
    return;
  }
  console.log(table(reports));
  const found = reports.flatMap(violations);
  if (found.length > 0) {
    console.log(`\n${found.length} problem(s):\n- ${found.join('\n- ')}`);
    process.exitCode = 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
