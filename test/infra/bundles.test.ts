/**
 * Every function's bundle, built with the stack's esbuild settings (infra/bundling.ts), held
 * to the budgets: the serving function under 1 MB and free of Parquet, CSV,
 * statistics and CDK code; every other function under 5 MB. Plain assertions: a budget
 * broken is a failing test whose message names the import chain that broke it
 * (`npx tsx infra/bundle-report.ts --why get-online hyparquet` prints the same).
 */
import {
  ALL_HANDLERS,
  bundleReports,
  importChain,
  kb,
  OTHER_LIMIT_BYTES,
  SERVING_FORBIDDEN,
  SERVING_HANDLER,
  SERVING_LIMIT_BYTES,
  type BundleReport,
} from '../../infra/bundle-report';

let reports: Map<string, BundleReport>;

beforeAll(async () => {
  reports = new Map((await bundleReports()).map((r) => [r.handler, r]));
}, 180_000);

const report = (handler: string) => reports.get(handler)!;

describe('bundle budgets', () => {
  it('bundles every function the stack deploys', () => {
    expect([...reports.keys()].sort()).toEqual([...ALL_HANDLERS].sort());
  });

  it(`${SERVING_HANDLER} is under ${kb(SERVING_LIMIT_BYTES)}`, () => {
    const { bytes } = report(SERVING_HANDLER);
    expect({ handler: SERVING_HANDLER, size: kb(bytes), underLimit: bytes <= SERVING_LIMIT_BYTES }).toEqual({ handler: SERVING_HANDLER, size: kb(bytes), underLimit: true });
  });

  it.each(ALL_HANDLERS.filter((h) => h !== SERVING_HANDLER))(`%s is under ${kb(OTHER_LIMIT_BYTES)}`, (handler) => {
    const { bytes } = report(handler);
    expect({ handler, size: kb(bytes), underLimit: bytes <= OTHER_LIMIT_BYTES }).toEqual({ handler, size: kb(bytes), underLimit: true });
  });

  it.each(SERVING_FORBIDDEN.map((p) => [p.source.replaceAll('\\/', '/'), p] as const))(`${SERVING_HANDLER} does not carry %s`, (_source, pattern) => {
    // The chain says which import brought it in.
    expect({ pattern: pattern.source, chain: importChain(report(SERVING_HANDLER).metafile, pattern)?.join(' → ') }).toEqual({ pattern: pattern.source, chain: undefined });
  });

  it('no function bundles CDK code', () => {
    for (const r of reports.values()) expect({ handler: r.handler, cdk: r.inputs.filter((f) => /node_modules\/(aws-cdk-lib|constructs|cdk-nag)\//.test(f)) }).toEqual({ handler: r.handler, cdk: [] });
  });

  it('tree-shakes: the outbox publisher carries none of the store but its EventBridge adapter and client, its OpenLineage poster, and no zod', () => {
    const inputs = report('publish-pointer-events').inputs;
    // The publisher also POSTs OpenLineage events to REWIND_OPENLINEAGE_URL when set (plain fetch, no SDK client).
    expect(inputs.filter((f) => f.startsWith('store/')).sort()).toEqual(['store/clients.ts', 'store/eventbridge-outbox.ts', 'store/openlineage-http.ts', 'store/tracer.ts']);
    // Only the client it uses: the others' getters are tree-shaken.
    expect(inputs.filter((f) => /node_modules\/@aws-sdk\/client-(s3|cloudwatch|cloudformation)\//.test(f))).toEqual([]);
    expect(inputs.some((f) => f.includes('node_modules/zod/'))).toBe(false);
  });

  it('tree-shakes: sync-alarms carries no snapshot, Parquet or CSV code (it reads pointers and versions only)', () => {
    const inputs = report('sync-alarms').inputs;
    expect(inputs.filter((f) => /node_modules\/(hyparquet|hyparquet-writer|csv-parse|@aws-sdk\/client-s3)\/|^store\/(s3-snapshots|formats)\.ts$/.test(f))).toEqual([]);
  });
});
