/**
 * core/limits.ts: DynamoDB's limits as pure checks, and the deploy that meets them before it
 * takes a version number (against the in-memory adapters).
 */
import fc from 'fast-check';
import { deployVersion } from '../../core/deploy';
import { DeployNotRecordedError, ValidationError } from '../../core/errors';
import { attributeBytes, firstNumberProblem, itemBytes, largestPath, numberProblem, utf8Bytes } from '../../core/limits';
import { DeployRequestSchema, OnlineParamsSchema, parse } from '../../core/requests';
import { memoryDeps } from '../support/memory';

const deployer = { principal: { sub: 'dev', roles: ['deployer'], amr: [] } } as never;

describe('numberProblem', () => {
  it.each([0, -0, 1, -1.5, 1e-130, -1e-130, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0.1])('stores %p', (n) => expect(numberProblem(n)).toBeUndefined());
  it.each([NaN, Infinity, -Infinity, 1e300, 1e20, 2 ** 53, 9e-131, 5e-324, -1e-200])('refuses %p', (n) => expect(numberProblem(n)).toEqual(expect.any(String)));
  it('every double it accepts survives the trip through its shortest decimal form (what the SDK sends)', () =>
    fc.assert(fc.property(fc.double(), (n) => numberProblem(n) !== undefined || Number(String(n)) === n)));
});

describe('sizes', () => {
  it('counts UTF-8 bytes as Buffer does, lone surrogates as the 3 bytes of U+FFFD', () =>
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => utf8Bytes(s) === Buffer.byteLength(s, 'utf8'))));
  it('an item is its names plus its values, a number at most 21 bytes', () => {
    expect(itemBytes({ pk: 'abc', v: { n: 1, s: 'é' } })).toBe(2 + 3 + 1 + (3 + 1 + 1 + 21 + 1 + 1 + 2));
    expect(attributeBytes([true, null])).toBe(3 + 2 + 2);
  });
  it('names the member that makes a value big, not its parent', () => {
    expect(largestPath({ a: 'x', b: { c: 'y'.repeat(1000), d: 'z' } })).toEqual(['b', 'c']);
    expect(largestPath({ list: Array.from({ length: 100 }, () => 'x'.repeat(10)) })).toEqual(['list']);
  });
  it('finds the first number DynamoDB cannot store, with its path', () => {
    expect(firstNumberProblem({ a: [1, { b: 1e300 }] })?.path).toEqual(['a', 1, 'b']);
    expect(firstNumberProblem({ a: [1, 2.5, 'x'] })).toBeUndefined();
  });
});

describe('request schemas', () => {
  const fieldOf = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as ValidationError).field;
    }
    return undefined;
  };
  const body = (feature: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ definition: { entity: 'id', features: [{ name: 'x', ...feature }] }, rows: [], ...extra });
  it.each([
    [{ type: 'int', default: 'abc' }],
    [{ type: 'int', default: 2 ** 60 }],
    [{ type: 'float', default: 1e300 }],
    [{ type: 'string', default: 3 }],
    [{ type: 'bool', default: 'true' }],
  ])('refuses a default that is not a value of its feature: %j', (feature) => expect(fieldOf(() => parse(DeployRequestSchema, body(feature), 'body'))).toBe('body.definition.features[0].default'));
  it('takes a default of its type, and null', () => {
    for (const feature of [{ type: 'int', default: 3 }, { type: 'float', default: 0.5 }, { type: 'string', default: '' }, { type: 'bool', default: false }, { type: 'int', default: null }])
      expect(() => parse(DeployRequestSchema, body(feature), 'body')).not.toThrow();
  });
  it('refuses a number the version record could not store, wherever it is', () =>
    expect(fieldOf(() => parse(DeployRequestSchema, body({ type: 'int' }, { validation: { defaults: { psi: { blockAbove: 5e-324 } } } }), 'body'))).toBe('body.validation.defaults.psi.blockAbove'));
  it('measures a served entity key in UTF-8 bytes', () => {
    expect(fieldOf(() => parse(OnlineParamsSchema, { view: 'v', entity: 'é'.repeat(513) }, 'path'))).toBe('path.entity');
    expect(() => parse(OnlineParamsSchema, { view: 'v', entity: 'é'.repeat(512) }, 'path')).not.toThrow();
  });
});

describe('deploy', () => {
  const request = (extra: Record<string, unknown> = {}) =>
    parse(DeployRequestSchema, { definition: { entity: 'id', features: [{ name: 'x', type: 'string' }] }, rows: [{ id: 'a', x: 'y' }], ...extra }, 'body');

  it('refuses an oversized version record before it takes a version number', async () => {
    const deps = memoryDeps();
    await expect(deployVersion(deps, deployer, 'v', request({ changelog: 'c', transformation: { kind: 'k', ref: 'r', code: 'x'.repeat(410 * 1024) } }))).rejects.toMatchObject({
      field: 'body.transformation.code',
    });
    expect(await deps.catalog.listViews()).toEqual([]);
    expect((await deployVersion(deps, deployer, 'v', request())).version).toBe(1);
  });

  it('refuses a row over 400 KB, naming its biggest column', async () => {
    const deps = memoryDeps();
    await expect(deployVersion(deps, deployer, 'v', request({ rows: [{ id: 'a', x: 'y'.repeat(401 * 1024) }] }))).rejects.toMatchObject({ field: 'body.rows[0].x' });
    expect(await deps.catalog.viewExists('v')).toBe(false);
  });

  it('a store write failing after the checks leaves the view unlisted and says nothing was recorded (a failing in-memory online store, no SDK involved)', async () => {
    const deps = memoryDeps();
    const failing = { ...deps, online: Object.assign(Object.create(Object.getPrototypeOf(deps.online)), deps.online, { write: async () => Promise.reject(new Error('disk full')) }) };
    const error = await deployVersion(failing, deployer, 'v', request()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeployNotRecordedError);
    expect((error as Error).message).toMatch(/version 1 of 'v' was not recorded/);
    expect(await deps.catalog.listViews()).toEqual([]);
    expect(await deps.catalog.viewExists('v')).toBe(false);
    // The number is a gap; the next deploy is recorded as version 2 and the view appears with it.
    expect((await deployVersion(deps, deployer, 'v', request())).version).toBe(2);
    expect(await deps.catalog.listViews()).toEqual(['v']);
  });
});
