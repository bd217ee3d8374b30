/** The use cases over in-memory adapters: decisions, not storage. */
import { deployVersion } from '../../core/deploy';
import { RevisionConflictError, ValidationError, VersionRejectedError } from '../../core/errors';
import { activateVersion, rollbackView } from '../../core/pointer-changes';
import { listAudit, verifyAudit } from '../../core/queries';
import { FeatureServer } from '../../core/serving';
import { AuditQuerySchema, DeployRequestSchema, parse } from '../../core/requests';
import { deployBody } from '../support/fixtures';
import { memoryDeps } from '../support/memory';

const request = (seed: number, extra = {}) => parse(DeployRequestSchema, deployBody(seed, 10, extra), 'body');

describe('deploy', () => {
  it('writes nothing when a row is bad', async () => {
    const deps = memoryDeps();
    await expect(deployVersion(deps, 'a', 'v', parse(DeployRequestSchema, { ...deployBody(1), rows: [{ user_id: 'x', age: 'old' }] }, 'body'))).rejects.toThrow(ValidationError);
    expect(deps.catalog.counters.size).toBe(0);
    expect(deps.snapshots.objects.size).toBe(0);
    expect(deps.online.rows.size).toBe(0);
  });

  it('does not activate unless asked', async () => {
    const deps = memoryDeps();
    const result = await deployVersion(deps, 'a', 'v', request(1));
    expect(result.status).toBe('deployed');
    expect(await deps.pointers.getPointer('v')).toBeUndefined();
    expect((await deployVersion(deps, 'a', 'v', request(2, { activate: true }))).status).toBe('active');
    expect((await deps.pointers.getPointer('v'))!.stable).toBe(2);
  });

  it('records the transformation code hash and the deploy in the audit log', async () => {
    const deps = memoryDeps();
    await deployVersion(deps, 'a', 'v', request(1, { transformation: { kind: 'sql', ref: 'q.sql', code: 'select 1' } }));
    const record = await deps.catalog.getVersion('v', 1);
    // printf 'select 1' | sha256sum
    expect(record!.transformation!.codeSha256).toBe('822ae07d4783158bc1912bb623e5107cc9002d519e1143a9c200ed6ee18b6d0f');
    expect((await deps.audit.listAudit({ view: 'v', limit: 10 }))[0]).toMatchObject({ action: 'deploy', actor: 'a' });
  });
});

describe('activate and rollback', () => {
  it('refuses a rejected version and a stale revision', async () => {
    const deps = memoryDeps();
    await deployVersion(deps, 'a', 'v', request(1, { activate: true }));
    const record = (await deps.catalog.getVersion('v', 1))!;
    deps.catalog.versions.set('v#2', { ...record, version: 2, outcome: 'rejected' });
    await expect(activateVersion(deps, 'a', 'v', { version: 2 })).rejects.toThrow(VersionRejectedError);
    await expect(rollbackView(deps, 'a', 'v', { toVersion: 1, reason: 'r', expectedRevision: 5 })).rejects.toThrow(RevisionConflictError);
  });

  it('is idempotent for the same target and audits each real change once', async () => {
    const deps = memoryDeps();
    await deployVersion(deps, 'a', 'v', request(1, { activate: true }));
    await deployVersion(deps, 'a', 'v', request(2, { activate: true }));
    const first = await rollbackView(deps, 'ops', 'v', { toVersion: 1, reason: 'bad' });
    const again = await rollbackView(deps, 'ops', 'v', { toVersion: 1, reason: 'bad' });
    expect(first.changed).toBe(true);
    expect(again.changed).toBe(false);
    expect(deps.pointers.historyEntries).toHaveLength(3);
    expect(await verifyAudit(deps)).toMatchObject({ ok: true, entries: 5 });
  });
});

describe('audit by actor', () => {
  // alice deploys and activates v1 of `v` and deploys v1 of `w`; after her, bob deploys v2–v6 of `v`
  // and a viewer is refused a rollback of `v`.
  async function seeded() {
    const deps = memoryDeps();
    await deployVersion(deps, 'alice', 'v', request(1, { activate: true }));
    await deployVersion(deps, 'alice', 'w', request(1));
    for (let seed = 2; seed <= 6; seed++) await deployVersion(deps, 'bob', 'v', request(seed));
    await deps.audit.appendAudit({ actor: 'vic', action: 'rollback', outcome: 'denied', view: 'v', reason: "role 'viewer' may not rollback" });
    return deps;
  }
  const summary = (entries: { actor: string; action: string; view?: string; outcome: string }[]) => entries.map((e) => [e.actor, e.action, e.view, e.outcome]);

  it("returns one actor's entries on one view, newest first, however many others are newer", async () => {
    const deps = await seeded();
    // Without the actor, the newest two entries of `v` are someone else's.
    expect(summary(await listAudit(deps, { view: 'v', limit: 2 })).map(([actor]) => actor)).toEqual(['vic', 'bob']);
    expect(summary(await listAudit(deps, { view: 'v', actor: 'alice', limit: 2 }))).toEqual([
      ['alice', 'activate', 'v', 'allowed'],
      ['alice', 'deploy', 'v', 'allowed'],
    ]);
    expect(summary(await listAudit(deps, { view: 'v', actor: 'alice', limit: 1 }))).toEqual([['alice', 'activate', 'v', 'allowed']]);
  });

  it("returns one actor's entries across views without a view, and nobody else's", async () => {
    const deps = await seeded();
    const alice = await listAudit(deps, { actor: 'alice', limit: 100 });
    expect(alice).toHaveLength(3);
    expect(new Set(alice.map((e) => e.actor))).toEqual(new Set(['alice']));
    expect(new Set(alice.map((e) => e.view))).toEqual(new Set(['v', 'w']));
    expect(await listAudit(deps, { actor: 'bob', limit: 3 })).toHaveLength(3);
    expect(await listAudit(deps, { actor: 'nobody', limit: 100 })).toEqual([]);
  });

  it('finds what an actor was refused', async () => {
    const deps = await seeded();
    expect(summary(await listAudit(deps, { actor: 'vic', limit: 10 }))).toEqual([['vic', 'rollback', 'v', 'denied']]);
    expect(summary(await listAudit(deps, { view: 'v', actor: 'vic', limit: 10 }))).toEqual([['vic', 'rollback', 'v', 'denied']]);
    expect(await listAudit(deps, { view: 'w', actor: 'vic', limit: 10 })).toEqual([]);
  });

  it('matches the actor exactly', async () => {
    const deps = await seeded();
    expect(await listAudit(deps, { actor: 'ali', limit: 10 })).toEqual([]);
    expect(await listAudit(deps, { actor: 'ALICE', limit: 10 })).toEqual([]);
  });

  it('takes an actor of 1 to 256 characters and names query.actor otherwise', () => {
    expect(parse(AuditQuerySchema, { actor: 'system:alarm/rewind-user_profile-drift' }, 'query')).toEqual({ limit: 100, actor: 'system:alarm/rewind-user_profile-drift' });
    expect(parse(AuditQuerySchema, { actor: 'a'.repeat(256), view: 'v', limit: '5' }, 'query')).toEqual({ limit: 5, view: 'v', actor: 'a'.repeat(256) });
    expect(parse(AuditQuerySchema, {}, 'query')).toEqual({ limit: 100 });
    // ValidationError's message is `${field}: ${why}`: the field is what a 400 names.
    expect(() => parse(AuditQuerySchema, { actor: '' }, 'query')).toThrow(new ValidationError('query.actor', 'must not be empty'));
    expect(() => parse(AuditQuerySchema, { actor: 'a'.repeat(257) }, 'query')).toThrow(new ValidationError('query.actor', 'must be at most 256 characters'));
  });
});

describe('serving', () => {
  it('reads the pointer at most once per staleness window, then sees the change', async () => {
    let now = 10_000; // lru-cache treats a start time of 0 as "no TTL"
    const deps = memoryDeps();
    await deployVersion(deps, 'a', 'v', request(1, { activate: true }));
    await deployVersion(deps, 'a', 'v', request(2));
    const server = new FeatureServer(deps, deps.online, 1000, { now: () => now });
    {
      const readsBefore = deps.pointers.pointerReads;
      for (let i = 0; i < 5; i++) expect((await server.serve('v', 'u1')).version).toBe(1);
      expect(deps.pointers.pointerReads - readsBefore).toBe(1);
      await activateVersion(deps, 'a', 'v', { version: 2 });
      expect((await server.serve('v', 'u1')).version).toBe(1); // within the bound: may be stale
      now += 1001;
      expect((await server.serve('v', 'u1')).version).toBe(2); // past it: never stale
    }
  });
});
