/**
 * The web console in a real browser (Debian Chromium through playwright-core) against a local
 * Rewind started in process, which serves the console at /ui on the API's origin. What the
 * page shows is checked against what the API answers for the same question.
 */
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../contract/local-tokens';
import { launchChromium, seriousAxeViolations } from '../support/browser';
import { deployBody } from '../support/fixtures';
import { startLocalTestRewind, type Caller, type TestRewind } from '../support/rewind';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureUiBuilt } = require('../../scripts/build-ui.cjs') as { ensureUiBuilt: (o: { quiet: boolean }) => number };

let rewind: TestRewind & { local: NonNullable<TestRewind['local']> };
let browser: Browser;
let deployer: Caller;
let viewer: Caller;
let standard: string;
let critical: string;

const criticalBody = (seed: number, extra = {}) => deployBody(seed, 5, { definition: { ...deployBody(seed).definition, tier: 'critical' }, ...extra });

beforeAll(async () => {
  expect(ensureUiBuilt({ quiet: true })).toBe(0);
  [rewind, browser] = await Promise.all([startLocalTestRewind('console'), launchChromium()]);
  deployer = await rewind.as('dev', ['deployer']);
  viewer = await rewind.as('val', ['viewer']);
  standard = rewind.view('profile');
  critical = rewind.view('payments');
  // Two releases of a standard view (v2 serves, v1 is its rollback target), a critical view served after an approval.
  expect((await deployer.post(`/views/${standard}/versions`, deployBody(1, 5, { activate: true }))).status).toBe(201);
  expect((await deployer.post(`/views/${standard}/versions`, deployBody(2, 5, { activate: true }))).status).toBe(201);
  const devMfa = await rewind.as('dev', ['deployer'], { mfa: true });
  const ann = await rewind.as('ann', ['approver'], { mfa: true });
  expect((await devMfa.post(`/views/${critical}/versions`, criticalBody(1))).status).toBe(201);
  expect((await ann.post(`/views/${critical}/approvals`, { version: 1 })).status).toBe(201);
  expect((await devMfa.post(`/views/${critical}/activate`, { version: 1 })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await rewind?.stop();
});

/** A fresh browser context signed in with `token` by pasting it, as a person would. */
async function signedIn(token: string): Promise<Page> {
  // bypassCSP: axe-core is injected as an inline script, which the console's CSP forbids.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${rewind.url}/ui/`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=who]');
  return page;
}

async function openView(page: Page, view: string): Promise<void> {
  await page.click(`a[href="#/views/${view}"]`);
  await page.waitForSelector('[data-testid=timeline]');
}

/** The revisions the timeline shows as pointer changes, newest first. */
const timelineRevisions = (page: Page) => page.$$eval('[data-testid=timeline] [data-kind=change]', (items) => items.map((i) => Number(i.getAttribute('data-revision'))));

it('signs in, lists the views with what each serves, and has no serious accessibility violation', async () => {
  const page = await signedIn(deployer.token);
  await page.waitForSelector(`tr[data-view="${standard}"]`);
  expect(await page.textContent('[data-testid=who]')).toBe(deployer.sub);
  expect(await page.textContent(`tr[data-view="${standard}"] [data-testid=stable]`)).toBe('v2');
  expect(await page.textContent(`tr[data-view="${critical}"] [data-testid=stable]`)).toBe('v1');
  expect(await page.textContent(`tr[data-view="${standard}"]`)).toContain(`activate by ${deployer.sub}`);
  // The search box narrows the list.
  await page.fill('#search', 'payments');
  await page.waitForSelector(`tr[data-view="${standard}"]`, { state: 'detached' });
  expect(await page.$(`tr[data-view="${critical}"]`)).not.toBeNull();
  await page.fill('#search', '');
  await page.waitForSelector(`tr[data-view="${standard}"]`);
  await page.screenshot({ path: 'docs/images/console-views.png', fullPage: true });
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.context().close();
}, 60_000);

it("shows a view's timeline exactly as the API reports it; a deployer rolls back and sees what is served change", async () => {
  const page = await signedIn(deployer.token);
  await openView(page, standard);
  const history = (await deployer.get(`/views/${standard}/history?limit=1000`)).body.history as { revision: number }[];
  expect(await timelineRevisions(page)).toEqual(history.map((h) => h.revision));
  expect(await page.$$eval('[data-testid=timeline] [data-kind=deploy]', (items) => items.map((i) => Number(i.getAttribute('data-version'))))).toEqual([2, 1]);
  expect(await page.textContent('[data-testid=served-stable]')).toBe('v2');
  expect(await page.$$eval('[data-testid=versions] [data-testid=status]', (cells) => cells.map((c) => c.textContent))).toEqual(['active', 'superseded']);
  expect(await seriousAxeViolations(page)).toEqual([]);

  await page.click('button[data-action=rollback]');
  await page.selectOption('select[name=target]', '1');
  await page.fill('input[name=reason]', 'v2 serves stale baskets');
  await page.click('text=Review…');
  expect(await page.textContent('[data-testid=confirm-after]')).toBe(`${standard} will serve v1 to everyone instead of v2, which is marked rolled back.`);
  await page.click('[data-testid=confirm-yes]');
  await page.waitForSelector('[data-testid=served-stable]:text-is("v1")');

  const after = await deployer.get(`/views/${standard}`);
  expect(after.body.pointer.stable).toBe(1);
  const newest = (await deployer.get(`/views/${standard}/history?limit=1000`)).body.history as { revision: number; action: string; reason: string }[];
  expect(newest[0]).toMatchObject({ action: 'rollback', reason: 'v2 serves stale baskets', revision: history[0]!.revision + 1 });
  await page.waitForSelector(`[data-kind=change][data-revision="${newest[0]!.revision}"]`);
  expect(await timelineRevisions(page)).toEqual(newest.map((h) => h.revision));
  expect(await page.textContent(`[data-kind=change][data-revision="${newest[0]!.revision}"]`)).toContain('rollback: v2 → v1');
  await page.screenshot({ path: 'docs/images/console-view.png', fullPage: true });
  await page.context().close();
}, 60_000);

it('gives a viewer no action buttons', async () => {
  const page = await signedIn(viewer.token);
  await openView(page, standard);
  expect(await page.$('[data-testid=actions]')).toBeNull();
  expect(await page.$$('button[data-action]')).toEqual([]);
  // A deployer on the same page does have them: the check above could fail.
  const deployerPage = await signedIn(deployer.token);
  await openView(deployerPage, standard);
  expect(await deployerPage.$$eval('button[data-action]', (b) => b.map((x) => x.getAttribute('data-action')))).toEqual(expect.arrayContaining(['rollback', 'disable']));
  await Promise.all([page.context().close(), deployerPage.context().close()]);
}, 60_000);

it("shows the API's own message when it refuses an action, and changes nothing", async () => {
  const page = await signedIn(deployer.token);
  await openView(page, critical);
  const before = (await deployer.get(`/views/${critical}`)).body.pointer;
  await page.click('button[data-action=disable]');
  await page.selectOption('select[name=feature]', 'country');
  await page.fill('input[name=reason]', 'country codes look wrong');
  await page.click('text=Review…');
  await page.click('[data-testid=confirm-yes]');
  const shown = await (await page.waitForSelector('[role=alert] .error-message')).textContent();
  // The same request, sent by hand, is refused with the same words.
  const refused = await deployer.post(`/views/${critical}/features/country/disable`, { reason: 'country codes look wrong', expectedRevision: before.revision });
  expect(refused.status).toBe(403);
  expect(shown).toBe(refused.body.error.message);
  expect(shown).toMatch(/MFA/);
  expect((await deployer.get(`/views/${critical}`)).body.pointer).toEqual(before);
  expect(await page.content()).not.toMatch(/at \S+ \(.*:\d+:\d+\)/); // no stack trace
  await page.context().close();
}, 60_000);

it('sends a user whose token expired back to sign-in, saying why', async () => {
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
  await page.goto(`${rewind.url}/ui/`);
  await page.fill('#token', expired);
  await page.click('button[type=submit]');
  const notice = await (await page.waitForSelector('.sign-in [role=status]')).textContent();
  expect(notice).toMatch(/^signed out: bearer token refused: .*exp/);
  expect(await page.$('#token')).not.toBeNull();
  await context.close();
}, 60_000);

it('serves the bundle itself without a token and nothing outside it', async () => {
  const index = await fetch(`${rewind.url}/ui/`);
  expect(index.status).toBe(200);
  expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
  expect(await (await fetch(`${rewind.url}/ui/config.json`)).json()).toEqual({ mode: 'local', apiUrl: '' });
  expect((await fetch(`${rewind.url}/ui/..%2F..%2Fpackage.json`)).status).toBe(404);
  expect((await fetch(`${rewind.url}/ui`, { redirect: 'manual' })).headers.get('location')).toBe('/ui/');
});
