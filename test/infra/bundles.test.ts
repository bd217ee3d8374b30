/**
 * Every function's bundle, built with the stack's esbuild settings (infra/bundling.ts), held
 * to the budgets: the serving function under 1 MB and free of Parquet, statistics and
 * CDK code; every other function under 5 MB.
 *
 * KNOWN VIOLATIONS are written as `it.failing`: the test runs and must still fail. The day
 * the cause is fixed it passes, jest reports "failing test passed", and the marker must be
 * removed, so a fixed budget cannot silently regress again.
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
}, 120_000);

const report = (handler: string) => reports.get(handler)!;

/**
 * Causes outside infra/ (reported to their owners; see infra/README-deploy.md):
 * - size: `import { z } from 'zod'` (core/contracts.ts, core/validation/policy.ts, …) keeps
 *   zod's whole namespace, ~470 kB with every locale; `import * as z from 'zod'` lets
 *   esbuild drop what is unused (get-online: 1.25 MB → 0.89 MB).
 * - contents: functions/http/route.ts → functions/commons/deps.ts → store/index.ts
 *   (createDeps) → store/s3-snapshots.ts → store/formats.ts → hyparquet, hyparquet-writer,
 *   csv-parse: every route builds the snapshot store, serving included.
 */
const KNOWN_PREFIX = 'KNOWN VIOLATION, must still fail: ';
const KNOWN = {
  servingSize: true,
  servingContents: true,
};

describe('bundle budgets', () => {
  it('bundles every function the stack deploys', () => {
    expect([...reports.keys()].sort()).toEqual([...ALL_HANDLERS].sort());
  });

  const servingUnderLimit = () => {
    expect(`${SERVING_HANDLER}: ${kb(report(SERVING_HANDLER).bytes)}`).toBe(`${SERVING_HANDLER}: ${kb(Math.min(report(SERVING_HANDLER).bytes, SERVING_LIMIT_BYTES))}`);
  };
  (KNOWN.servingSize ? it.failing : it)(`${KNOWN.servingSize ? KNOWN_PREFIX : ''}${SERVING_HANDLER} is under ${kb(SERVING_LIMIT_BYTES)}`, servingUnderLimit);

  it.each(ALL_HANDLERS.filter((h) => h !== SERVING_HANDLER))(`%s is under ${kb(OTHER_LIMIT_BYTES)}`, (handler) => {
    expect(report(handler).bytes).toBeLessThan(OTHER_LIMIT_BYTES);
  });

  const servingCarriesNothingForbidden = () => {
    const carried = SERVING_FORBIDDEN.map((pattern) => importChain(report(SERVING_HANDLER).metafile, pattern)?.join(' → ')).filter(Boolean);
    expect(carried).toEqual([]);
  };
  (KNOWN.servingContents ? it.failing : it)(`${KNOWN.servingContents ? KNOWN_PREFIX : ''}${SERVING_HANDLER} carries no Parquet, statistics or CDK code`, servingCarriesNothingForbidden);

  it(`${SERVING_HANDLER} carries no statistics and no CDK code (the part that holds today)`, () => {
    const stillClean = SERVING_FORBIDDEN.filter((p) => !/hyparquet|csv-parse/.test(p.source));
    for (const pattern of stillClean) expect({ pattern: pattern.source, chain: importChain(report(SERVING_HANDLER).metafile, pattern) }).toEqual({ pattern: pattern.source, chain: undefined });
  });

  it('no function bundles CDK code', () => {
    for (const r of reports.values()) expect({ handler: r.handler, cdk: r.inputs.filter((f) => /node_modules\/(aws-cdk-lib|constructs|cdk-nag)\//.test(f)) }).toEqual({ handler: r.handler, cdk: [] });
  });

  it('tree-shakes: the outbox publisher carries neither the store nor zod', () => {
    const inputs = report('publish-pointer-events').inputs;
    expect(inputs.filter((f) => f.startsWith('store/') && f !== 'store/config.ts')).toEqual([]);
    expect(inputs.some((f) => f.includes('node_modules/zod/'))).toBe(false);
  });
});
