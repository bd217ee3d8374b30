import { ValidationError } from '../../core/errors';
import type { ViewDefinition } from '../../core/model';
import { checkRows, withDefaults } from '../../core/rows';

const definition: ViewDefinition = {
  entity: 'user_id',
  features: [
    { name: 'age', type: 'int', default: 0 },
    { name: 'score', type: 'float' },
    { name: 'country', type: 'string', default: 'unknown' },
    { name: 'premium', type: 'bool' },
  ],
  tier: 'standard',
  owners: [],
};

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.field;
    throw error;
  }
  return undefined;
}

describe('checkRows', () => {
  it('normalizes rows, dropping nulls so they are served as defaults', () => {
    expect(checkRows(definition, [{ user_id: 7, age: 30, score: null, country: 'FR', premium: true }], { field: 'rows' })).toEqual([
      { entity: '7', values: { age: 30, country: 'FR', premium: true } },
    ]);
  });

  it.each([
    [[{ age: 1 }], 'rows[0].user_id'],
    [[{ user_id: '' }], 'rows[0].user_id'],
    [[{ user_id: 'a', height: 1 }], 'rows[0].height'],
    [[{ user_id: 'a', age: 1.5 }], 'rows[0].age'],
    [[{ user_id: 'a', score: 'high' }], 'rows[0].score'],
    [[{ user_id: 'a', premium: 'yes' }], 'rows[0].premium'],
    [[{ user_id: 'a' }, { user_id: 'a' }], 'rows[1].user_id'],
    [[{ user_id: 'a' }, 'not a row'], 'rows[1]'],
  ])('rejects %j naming %s', (rows, field) => {
    expect(fieldOf(() => checkRows(definition, rows as Record<string, unknown>[], { field: 'rows' }))).toBe(field);
  });

  it('converts text values (CSV) to the declared types', () => {
    const [row] = checkRows(definition, [{ user_id: 'u', age: '41', score: '0.25', country: 'DE', premium: 'false' }], { field: 'f', fromText: true });
    expect(row!.values).toEqual({ age: 41, score: 0.25, country: 'DE', premium: false });
    expect(fieldOf(() => checkRows(definition, [{ user_id: 'u', age: 'forty' }], { field: 'f', fromText: true }))).toBe('f[0].age');
  });

  it('accepts 64-bit integers from Parquet when they fit a double exactly', () => {
    expect(checkRows(definition, [{ user_id: 'u', age: 12n }], { field: 'f' })[0]!.values.age).toBe(12);
    expect(fieldOf(() => checkRows(definition, [{ user_id: 'u', age: 2n ** 60n }], { field: 'f' }))).toBe('f[0].age');
  });
});

describe('withDefaults', () => {
  it('fills missing features with the declared default, else null', () => {
    expect(withDefaults(definition, { score: 1.5 })).toEqual({ age: 0, score: 1.5, country: 'unknown', premium: null });
    expect(withDefaults(definition, undefined)).toEqual({ age: 0, score: null, country: 'unknown', premium: null });
  });
});
