import { ActivateRequestSchema, DeployRequestSchema, RollbackRequestSchema, parse } from '../../core/requests';
import { ValidationError } from '../../core/errors';

function fieldOf(schema: Parameters<typeof parse>[0], input: unknown): string {
  try {
    parse(schema, input, 'body');
  } catch (error) {
    return (error as ValidationError).field;
  }
  throw new Error('expected a validation error');
}

const definition = { entity: 'user_id', features: [{ name: 'age', type: 'int' }] };

describe('request contracts', () => {
  it('applies documented defaults to a minimal deploy', () => {
    expect(parse(DeployRequestSchema, { definition, rows: [] }, 'body')).toMatchObject({
      definition: { tier: 'standard', owners: [] },
      sources: [],
      consumers: [],
      activate: false,
    });
  });

  it.each([
    [{}, 'body.definition'],
    [{ definition: { ...definition, entity: '1bad' }, rows: [] }, 'body.definition.entity'],
    [{ definition: { entity: 'u', features: [] }, rows: [] }, 'body.definition.features'],
    [{ definition: { entity: 'u', features: [{ name: 'a', type: 'decimal' }] }, rows: [] }, 'body.definition.features[0].type'],
    [{ definition: { entity: 'u', features: [{ name: 'u', type: 'int' }] }, rows: [] }, 'body.definition.entity'],
    [{ definition, rows: [], snapshotUri: 's3://b/k.csv' }, 'body.snapshotUri'],
    [{ definition, snapshotUri: 'http://x' }, 'body.snapshotUri'],
    [{ definition, rows: [], definitionTier: 1, tier: 'x' }, undefined],
  ])('names the offending field of %j', (input, field) => {
    if (field === undefined) expect(() => parse(DeployRequestSchema, input, 'body')).not.toThrow();
    else expect(fieldOf(DeployRequestSchema, input)).toBe(field);
  });

  it('says "is required" for a missing field and describes a wrong type', () => {
    expect(() => parse(ActivateRequestSchema, {}, 'body')).toThrow('body.version: is required');
    expect(() => parse(ActivateRequestSchema, { version: 'x' }, 'body')).toThrow(/body\.version: .*expected number/);
    expect(fieldOf(RollbackRequestSchema, { reason: '' })).toBe('body.reason');
    expect(fieldOf(RollbackRequestSchema, { reason: 'r', toVersion: 0 })).toBe('body.toVersion');
  });
});
