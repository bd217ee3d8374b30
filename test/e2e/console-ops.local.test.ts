/**
 * The console's Lineage, Jobs and Drills pages in a real browser (Debian Chromium through
 * playwright-core) against a local Rewind started in process: what each page shows is checked
 * against what the API answers for the same question, and axe-core runs on each.
 *
 * Local: jobs are cut into 200-row chunks written one at a time, so a 30,000-row deploy stays
 * running long enough to be seen, and cancelled, from the browser.
 */
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../contract/local-tokens';
import { newDrillId, drillView } from '../../core/drills/scenarios';
import { launchChromium, seriousAxeViolations } from '../support/browser';
import { deployBody } from '../support/fixtures';
import { eventually, startLocalTestRewind, type Caller, type TestRewind } from '../support/rewind';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureUiBuilt } = require('../../scripts/build-ui.cjs') as { ensureUiBuilt: (o: { quiet: boolean }) => number };

let rewind: TestRewind & { local: NonNullable<TestRewind['local']> };
let browser: Browser;
let deployer: Caller;
let viewer: Caller;

const ENV = { REWIND_SYNC_DEPLOY_MAX_ROWS: '150', REWIND_JOB_CONCURRENCY: '1', REWIND_JOB_CHUNK_ROWS: '200' };

beforeAll(async () => {
  expect(ensureUiBuilt({ quiet: true })).toBe(0);
  Object.assign(process.env, ENV);
  [rewind, browser] = await Promise.all([startLocalTestRewind('console_ops'), launchChromium()]);
  deployer = await rewind.as('dev', ['deployer']);
  viewer = await rewind.as('val', ['viewer']);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rewind?.stop();
  for (const k of Object.keys(ENV)) delete process.env[k];
});

async function signedIn(token: string, hash = ''): Promise<Page> {
  // bypassCSP: axe-core is injected as an inline script, which the console's CSP forbids.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${rewind.url}/ui/`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=who]');
  if (hash) await go(page, hash);
  return page;
}

/** Moves the signed-in page to another route (a reload would sign out: the token is in memory only). */
async function go(page: Page, hash: string): Promise<void> {
  await page.evaluate((h) => ((globalThis as unknown as { location: { hash: string } }).location.hash = h), hash);
}

/** The names a list of links shows (`data-name`), in order. */
const names = (page: Page, selector: string) => page.$$eval(`${selector} a[data-name]`, (as) => as.map((a) => a.getAttribute('data-name')));
const ended = (id: string) => eventually(() => deployer.get(`/jobs/${id}`), (r) => ['succeeded', 'failed', 'cancelled'].includes(r.body?.status), 60_000);

describe('lineage', () => {
  let view: string;
  let other: string;
  let source: string;
  let fixed: string;
  let model: string;
  let model2: string;

  beforeAll(async () => {
    view = rewind.view('lin_profile');
    other = rewind.view('lin_other');
    source = `s3://lake/${rewind.tag}/events`;
    fixed = `s3://lake/${rewind.tag}/fixed`;
    model = `churn-${rewind.tag}`;
    model2 = `ltv-${rewind.tag}`;
    // v1 serves, read from `source`, feeding `model`; v2 (not served) reads `fixed` too and also feeds `model2`; another view reads `source`.
    expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { sources: [{ uri: source, checksum: 'sha256:aaa' }], consumers: [model], activate: true }))).status).toBe(201);
    expect((await deployer.post(`/views/${view}/versions`, deployBody(2, 5, { sources: [{ uri: source }, { uri: fixed }], consumers: [model, model2] }))).status).toBe(201);
    expect((await deployer.post(`/views/${other}/versions`, deployBody(3, 5, { sources: [{ uri: source, checksum: 'sha256:bbb' }], consumers: [model2], activate: true }))).status).toBe(201);
  }, 60_000);

  it("shows a view's sources and models per version exactly as GET /lineage/views reports, reached from the view page", async () => {
    const page = await signedIn(viewer.token, `#/views/${view}`);
    await page.click(`a[href="#/lineage/views/${view}"]`);
    await page.waitForSelector('[data-testid=lineage-versions]');
    const api = (await viewer.get(`/lineage/views/${view}`)).body as { versions: { version: number; served: string | null; upstream: { sources: { uri: string }[] }; downstream: { models: string[] } }[]; models: string[] };
    expect(api.models).toEqual([model]);
    expect(await names(page, '[data-testid=served-models]')).toEqual(api.models);
    expect(await names(page, '[data-testid=served-sources]')).toEqual([source]);
    for (const v of api.versions) {
      const row = `[data-testid=lineage-versions] tr[data-version="${v.version}"]`;
      expect(await names(page, `${row} [data-testid=sources]`)).toEqual(v.upstream.sources.map((s) => s.uri));
      expect(await names(page, `${row} [data-testid=models]`)).toEqual(v.downstream.models);
      expect(await page.textContent(row)).toContain(v.served ? `served: ${v.served}` : 'not served');
    }
    expect(await page.$$eval('[data-testid=lineage-versions] tbody tr', (rows) => rows.map((r) => Number(r.getAttribute('data-version'))))).toEqual([2, 1]);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('follows source → views → models as GET /lineage/sources and /lineage/models report them', async () => {
    const page = await signedIn(viewer.token, `#/lineage/views/${view}`);
    await page.click(`[data-testid=served-sources] a[data-name="${source}"]`);
    await page.waitForSelector('[data-testid=source-versions]');
    const bySource = (await viewer.get(`/lineage/sources?uri=${encodeURIComponent(source)}`)).body as { versions: { view: string; version: number; consumers: string[] }[]; servedNow: { view: string; version: number }[]; models: string[] };
    expect(bySource.versions).toHaveLength(3);
    expect(await page.$$eval('[data-testid=source-versions] tbody tr', (rows) => rows.map((r) => `${r.getAttribute('data-view')}#${r.getAttribute('data-version')}`))).toEqual(
      bySource.versions.map((v) => `${v.view}#${v.version}`),
    );
    expect(await page.$$eval('[data-testid=served-now] li', (items) => items.map((i) => `${i.getAttribute('data-view')}#${i.getAttribute('data-version')}`))).toEqual(
      bySource.servedNow.map((v) => `${v.view}#${v.version}`),
    );
    expect(await names(page, '[data-testid=served-models]')).toEqual(bySource.models);
    expect(bySource.models).toEqual([model, model2].sort());
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.click(`[data-testid=served-models] a[data-name="${model2}"]`);
    await page.waitForSelector('[data-testid=model-versions]');
    const byModel = (await viewer.get(`/lineage/models/${model2}`)).body as { versions: { view: string; version: number }[]; servedNow: { view: string; version: number }[]; sources: string[] };
    expect(await page.$$eval('[data-testid=model-versions] tbody tr', (rows) => rows.map((r) => `${r.getAttribute('data-view')}#${r.getAttribute('data-version')}`))).toEqual(
      byModel.versions.map((v) => `${v.view}#${v.version}`),
    );
    expect(byModel.servedNow).toEqual([{ view: other, version: 1, served: 'stable' }]);
    expect(await page.$$eval('[data-testid=served-now] li', (items) => items.map((i) => i.getAttribute('data-view')))).toEqual([other]);
    expect(await names(page, '[data-testid=served-sources]')).toEqual(byModel.sources);
    expect(await seriousAxeViolations(page)).toEqual([]);

    // The top-level entry: every view listed, a source asked for by URI.
    await page.click('nav a[href="#/lineage"]');
    await page.waitForSelector('[data-testid=lineage-views]');
    expect(await names(page, '[data-testid=lineage-views]')).toEqual(expect.arrayContaining([view, other]));
    await page.fill('input[name=source]', fixed);
    await page.click('text=Who read it');
    await page.waitForSelector('[data-testid=source-versions]');
    expect(await page.$$eval('[data-testid=source-versions] tbody tr', (rows) => rows.map((r) => `${r.getAttribute('data-view')}#${r.getAttribute('data-version')}`))).toEqual([`${view}#2`]);
    expect(await page.textContent('[data-testid=served-now]')).toBe('nothing served reads it');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.context().close();
  }, 60_000);
});

describe('jobs', () => {
  let view: string;
  beforeAll(async () => {
    view = rewind.view('console_jobs');
    expect((await deployer.post(`/views/${view}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
  }, 60_000);

  it('shows a running job with its progress to a viewer without Cancel, and lets a deployer cancel it after a confirmation', async () => {
    const started = await deployer.post(`/views/${view}/versions`, deployBody(2, 30_000, { async: true }));
    expect(started.status).toBe(202);
    const id = started.body.job.id as string;
    const row = `[data-testid=jobs] tr[data-job="${id}"]`;

    const viewerPage = await signedIn(viewer.token, '#/jobs');
    await viewerPage.waitForSelector(`#running ${row}`);
    expect(await viewerPage.$(`${row} [data-testid=job-progress] progress`)).not.toBeNull();
    expect(await viewerPage.$$('button[data-action=cancel-job]')).toEqual([]);
    expect(await seriousAxeViolations(viewerPage)).toEqual([]);
    // The view's own page lists it too, still without Cancel.
    await go(viewerPage, `#/views/${view}`);
    await viewerPage.waitForSelector(`#jobs ${row}`);
    expect(await viewerPage.$$('button[data-action=cancel-job]')).toEqual([]);

    const page = await signedIn(deployer.token, '#/jobs');
    await page.waitForSelector(`#running ${row} button[data-action=cancel-job]`);
    expect(await page.textContent(`${row} [data-testid=job-status]`)).toMatch(/^(queued|running)$/);
    await page.click(`${row} button[data-action=cancel-job]`);
    expect(await page.textContent('[data-testid=confirm-cancel-after]')).toMatch(new RegExp(`^The deploy of v2 of ${view} stops: no version v2 is recorded, the [\\d,]+ online rows it wrote are deleted, and what ${view} serves does not change\\.$`));
    await page.click('[data-testid=confirm-cancel-yes]');
    await page.waitForSelector('[data-testid=cancel-done]');
    // The page keeps refreshing while the job winds down, and shows where it ended.
    await page.waitForSelector(`#ended ${row} [data-testid=job-status]:text-is("cancelled")`, { timeout: 60_000 });
    expect((await ended(id)).body.status).toBe('cancelled');
    expect(await page.textContent('#running')).toContain('Nothing is running');
    await Promise.all([page.context().close(), viewerPage.context().close()]);
  }, 120_000);

  it("shows a deploy job in the Jobs page and in the view's jobs with its final status; the view page then lists the version", async () => {
    const started = await deployer.post(`/views/${view}/versions`, deployBody(3, 1_000, { async: true }));
    expect(started.status).toBe(202);
    const { id } = started.body.job as { id: string };
    const version = started.body.version as number;
    const page = await signedIn(deployer.token, `#/views/${view}`);
    const row = `#jobs [data-testid=jobs] tr[data-job="${id}"]`;
    await page.waitForSelector(`${row} [data-testid=job-status]:text-is("succeeded")`, { timeout: 60_000 });
    const final = (await ended(id)).body;
    expect(final).toMatchObject({ status: 'succeeded', phase: 'done', chunks: { done: 5, total: 5 }, rows: { written: 1_000, total: 1_000 } });
    expect(await page.textContent(`${row} [data-testid=job-progress]`)).toContain('5/5 chunks, 1,000 of 1,000 rows');
    // The job's end reloads the page: the version it recorded is listed.
    await page.waitForSelector(`[data-testid=versions] tr[data-version="${version}"]`);
    // The view's jobs are exactly the API's, newest first.
    const api = (await deployer.get(`/views/${view}/jobs?limit=20`)).body.jobs as { id: string; status: string }[];
    expect(await page.$$eval('#jobs [data-testid=jobs] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-job')))).toEqual(api.map((j) => j.id));
    expect(await page.$$eval('#jobs [data-testid=job-status]', (cells) => cells.map((c) => c.textContent))).toEqual(api.map((j) => j.status));

    await page.click('nav a[href="#/jobs"]');
    await page.waitForSelector(`#ended [data-testid=jobs] tr[data-job="${id}"] [data-testid=job-status]:text-is("succeeded")`);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: 'docs/images/console-jobs.png', fullPage: true });
    await page.context().close();
  }, 120_000);
});

describe('drills', () => {
  it('lists a stored drill report on the Drills page, and its page shows the timeline and the figures', async () => {
    const id = newDrillId(new Date());
    const report = {
      id,
      scenario: 'nulls',
      mode: 'auto',
      rows: 200,
      rps: 15,
      view: drillView(id, 'nulls'),
      target: rewind.url,
      startedAt: '2026-12-02T03:04:05.000Z',
      finishedAt: '2026-12-02T03:04:21.000Z',
      targetMttrSeconds: 30,
      outcome: 'passed',
      failures: [],
      fault: 'v2 serves null for every feature',
      measures: { mttdMs: 2400, mttrMs: 3100, requests: 240, servedBad: 7, loadErrors: 0, p50Ms: 4.2, p99Ms: 19.5 },
      verification: { sampled: 20, exact: 20, version: 1, runbook: 'rolled back by alarm' },
      timeline: [
        { event: 'deploy', t: 0 },
        { event: 'activate', t: 900, note: 'v2 activated' },
        { event: 'fault', t: 1000 },
        { event: 'first-bad', t: 1100 },
        { event: 'detected', t: 3400, note: 'alarm fired' },
        { event: 'rollback', t: 3500, note: 'v2 → v1' },
        { event: 'recovered', t: 4100 },
        { event: 'verified', t: 6000 },
      ],
      latency: Array.from({ length: 16 }, (_, i) => ({ t: i * 1000, n: 15, p50: 4 + (i % 3), max: 12 + i, bad: i >= 1 && i <= 3 ? [3, 3, 1][i - 1]! : 0, errors: 0 })),
      cleanup: { purged: [2], kept: [1] },
    };
    const posted = await deployer.post('/drills', report);
    expect(posted.status).toBe(201);

    const page = await signedIn(viewer.token, '#/drills');
    const row = `[data-testid=drills] tr[data-drill="${id}"]`;
    await page.waitForSelector(row);
    const listed = (await viewer.get('/drills')).body.drills as { id: string }[];
    expect(await page.$$eval('[data-testid=drills] tbody tr', (rows) => rows.map((r) => r.getAttribute('data-drill')))).toEqual(listed.map((d) => d.id));
    const text = await page.textContent(row);
    expect(text).toContain('nulls');
    expect(text).toContain('passed');
    expect(text).toContain('2.40 s');
    expect(text).toContain('3.10 s (target 30 s, within)');
    expect(text).toContain('7 of 240');
    expect(await seriousAxeViolations(page)).toEqual([]);

    await page.click(`${row} a`);
    await page.waitForSelector('[data-testid=drill-timeline]');
    expect(await page.$$eval('[data-testid=drill-timeline] li', (items) => items.map((i) => i.getAttribute('data-event')))).toEqual(report.timeline.map((t) => t.event));
    expect(await page.textContent('[data-testid=drill-timeline] li[data-event=detected]')).toBe('+3.40 s detected alarm fired');
    expect(await page.textContent('[data-testid=drill-measures]')).toContain('20 of 20 entities exact on v1; runbook: rolled back by alarm');
    expect(await page.$('#drill-latency canvas')).not.toBeNull(); // uPlot drew the chart
    expect(await page.$$eval('[data-testid=drill-latency] tbody tr', (rows) => rows.length)).toBe(16);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: 'docs/images/console-drill.png', fullPage: true });

    // An id no report has: the API's 404 message, no stack.
    await go(page, '#/drills/d20260101000000-beef');
    const shown = await (await page.waitForSelector('[role=alert] .error-message')).textContent();
    expect(shown).toBe((await viewer.get('/drills/d20260101000000-beef')).body.error.message);
    expect(await page.content()).not.toMatch(/at \S+ \(.*:\d+:\d+\)/);
    await page.context().close();
  }, 60_000);
});

it.each(['#/jobs', '#/lineage', '#/lineage/models/m', '#/drills', '#/drills/d20260101000000-beef'])('sends a user whose token expired back to sign-in from %s', async (hash) => {
  const expired = await new SignJWT({ roles: ['viewer'] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(`late.${rewind.tag}`)
    .setIssuer(LOCAL_ISSUER)
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt(Math.floor(Date.now() / 1000) - 120)
    .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
    .sign(new TextEncoder().encode(rewind.local.jwtSecret));
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${rewind.url}/ui/${hash}`);
  await page.fill('#token', expired);
  await page.click('button[type=submit]');
  const notice = await (await page.waitForSelector('.sign-in [role=status]')).textContent();
  expect(notice).toMatch(/^signed out: bearer token refused: .*exp/);
  expect(await page.content()).not.toMatch(/at \S+ \(.*:\d+:\d+\)/);
  await context.close();
}, 60_000);
