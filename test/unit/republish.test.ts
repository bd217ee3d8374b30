/**
 * core/republish.ts against the in-memory adapters: a view's committed changes replayed from a
 * revision, in order, audited on the view's chain before anything is published, cut into pages
 * of MAX_REPUBLISH_REVISIONS; a range the view does not have is refused naming the field, with
 * nothing audited or published.
 */
import { ValidationError, ViewNotFoundError } from '../../core/errors';
import type { HistoryEntry } from '../../core/model';
import { republishEvents } from '../../core/republish';
import { MAX_REPUBLISH_REVISIONS, parse, RepublishRequestSchema } from '../../core/requests';
import { memoryDeps } from '../support/memory';

function withHistory(view: string, revisions: number) {
  const deps = memoryDeps();
  for (let revision = 1; revision <= revisions; revision++) {
    const after = { view, stable: revision, revision } as unknown as HistoryEntry['after'];
    deps.pointers.historyEntries.push({ view, revision, action: 'activate', actor: 'ada', at: '2026-01-01T00:00:00.000Z', fromVersion: revision - 1 || null, toVersion: revision, before: null, after, auditId: `a${revision}` });
  }
  if (revisions > 0) deps.pointers.byView.set(view, { view, stable: revisions, revision: revisions } as never);
  const published: HistoryEntry[][] = [];
  const events = { publish: async (entries: readonly HistoryEntry[]) => (published.push([...entries]), entries.map((e) => `${e.view}#${e.revision}`)) };
  return { deps: { ...deps, events }, audit: deps.audit, published };
}

describe('republishEvents', () => {
  it('publishes revisions from..newest in order, after auditing the replay on the view\'s chain', async () => {
    const { deps, audit, published } = withHistory('v', 5);
    const result = await republishEvents(deps, 'root', { view: 'v', fromRevision: 3 });
    expect(result).toEqual({ view: 'v', fromRevision: 3, toRevision: 5, republished: 3, events: ['v#3', 'v#4', 'v#5'] });
    expect(published.map((page) => page.map((e) => e.revision))).toEqual([[3, 4, 5]]);
    const [entry] = await audit.listAudit({ view: 'v', limit: 10 });
    expect(entry).toMatchObject({ actor: 'root', action: 'republish', outcome: 'allowed', view: 'v', detail: { fromRevision: 3, toRevision: 5, entries: 3 } });
  });

  it('stops at toRevision', async () => {
    const { deps } = withHistory('v', 5);
    expect((await republishEvents(deps, 'root', { view: 'v', fromRevision: 2, toRevision: 3 })).events).toEqual(['v#2', 'v#3']);
  });

  it(`cuts a range of more than ${MAX_REPUBLISH_REVISIONS} revisions and says where the next page starts`, async () => {
    const { deps } = withHistory('v', MAX_REPUBLISH_REVISIONS + 5);
    const first = await republishEvents(deps, 'root', { view: 'v', fromRevision: 1 });
    expect(first).toMatchObject({ toRevision: MAX_REPUBLISH_REVISIONS, republished: MAX_REPUBLISH_REVISIONS, nextRevision: MAX_REPUBLISH_REVISIONS + 1 });
    const second = await republishEvents(deps, 'root', { view: 'v', fromRevision: first.nextRevision! });
    expect(second).toMatchObject({ toRevision: MAX_REPUBLISH_REVISIONS + 5, republished: 5 });
    expect(second.nextRevision).toBeUndefined();
  });

  it.each([
    [{ view: 'v', fromRevision: 6 }, 'body.fromRevision'],
    [{ view: 'v', fromRevision: 2, toRevision: 9 }, 'body.toRevision'],
  ])('refuses %o naming %s, auditing and publishing nothing', async (request, field) => {
    const { deps, audit, published } = withHistory('v', 5);
    await expect(republishEvents(deps, 'root', request)).rejects.toMatchObject({ field });
    await expect(republishEvents(deps, 'root', request)).rejects.toBeInstanceOf(ValidationError);
    expect(published).toEqual([]);
    expect(await audit.listAudit({ view: 'v', limit: 10 })).toEqual([]);
  });

  it('answers 404 for a view that has never changed', async () => {
    const { deps, published } = withHistory('v', 0);
    await expect(republishEvents(deps, 'root', { view: 'v', fromRevision: 1 })).rejects.toBeInstanceOf(ViewNotFoundError);
    expect(published).toEqual([]);
  });

  it.each([
    [{ view: 'v', fromRevision: 0 }, 'body.fromRevision'],
    [{ view: 'v', fromRevision: 1.5 }, 'body.fromRevision'],
    [{ view: 'v', fromRevision: '3' }, 'body.fromRevision'],
    [{ view: 'v' }, 'body.fromRevision'],
    [{ fromRevision: 1 }, 'body.view'],
    [{ view: '../x', fromRevision: 1 }, 'body.view'],
    [{ view: 'v', fromRevision: 4, toRevision: 3 }, 'body.toRevision'],
  ])('the request schema refuses %o naming %s', (body, field) => {
    expect(() => parse(RepublishRequestSchema, body, 'body')).toThrow(expect.objectContaining({ field }));
  });
});
