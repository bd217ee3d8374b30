/**
 * Data files read for inline deploys. The same file must deploy to the same values inline
 * or uploaded (where the server converts it), so CSV conversion is held to core/rows.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { checkRows } from '../../../core/rows';
import type { FeatureType, ViewDefinition } from '../../../core/model';
import { dataFormatOf, DataFileError, fromText, parseDataFile, readDataFile } from '../../../cli/data-file';

const shape = {
  entity: 'user_id',
  features: [
    { name: 'age', type: 'int' },
    { name: 'country', type: 'string' },
    { name: 'avg_basket', type: 'float' },
    { name: 'is_premium', type: 'bool' },
  ],
} as const satisfies { entity: string; features: readonly { name: string; type: FeatureType }[] };

const text = (s: string) => new TextEncoder().encode(s);

async function refusal(promise: Promise<unknown>): Promise<DataFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof DataFileError)) throw new Error(`expected a DataFileError, got ${String(error)}`);
  return error;
}

describe('CSV', () => {
  it('converts columns to their declared types; empty cells are null; the entity stays text', async () => {
    const csv = 'user_id,age,country,avg_basket,is_premium\n007,34,FR,27.5,true\n008,,,0,false\n';
    const file = await parseDataFile(text(csv), 'u.csv', 'csv', shape);
    expect(file.records).toEqual([
      { user_id: '007', age: 34, country: 'FR', avg_basket: 27.5, is_premium: true },
      { user_id: '008', age: null, country: null, avg_basket: 0, is_premium: false },
    ]);
  });

  it('passes unknown columns on as text (the server names them) and trims cells', async () => {
    const file = await parseDataFile(text('user_id, age ,extra\nu1, 5 , x \n'), 'u.csv', 'csv', shape);
    expect(file.records).toEqual([{ user_id: 'u1', age: 5, extra: 'x' }]);
  });

  it('names the line and column of a value that does not fit its type', async () => {
    const csv = 'user_id,age,is_premium\nu1,3,true\n\nu2,3.5,true\n';
    const error = await refusal(parseDataFile(text(csv), 'users.csv', 'csv', shape));
    expect(error.message).toBe("users.csv: line 4, column age: expected int, got '3.5'");
    await expect(parseDataFile(text('user_id,is_premium\nu1,yes\n'), 'u.csv', 'csv', shape)).rejects.toThrow("line 2, column is_premium: expected bool, got 'yes'");
  });

  it('maps record indexes back to file lines, blank lines included', async () => {
    const file = await parseDataFile(text('user_id,age\nu1,1\n\nu2,2\n'), 'u.csv', 'csv', shape);
    expect([file.where(0), file.where(1)]).toEqual(['line 2', 'line 4']);
  });

  it('reports malformed CSV', async () => {
    await expect(parseDataFile(text('user_id,age\nu1,1,2\n'), 'u.csv', 'csv', shape)).rejects.toThrow(/u\.csv: is not valid CSV/);
  });

  it('converts text exactly as the server does for uploaded CSV (core/rows.ts)', () => {
    const types: FeatureType[] = ['int', 'float', 'string', 'bool'];
    const samples = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.integer().map(String),
      fc.double({ noNaN: true }).map(String),
      fc.constantFrom('', 'true', 'false', 'True', '1e3', '0x10', ' 7 ', '9007199254740993', 'Infinity', '-0'),
    );
    fc.assert(
      fc.property(fc.constantFrom(...types), samples, (type, raw) => {
        const cellText = raw.trim(); // csv-parse trims on both sides
        const definition: ViewDefinition = { entity: 'id', features: [{ name: 'x', type }], tier: 'standard', owners: [] };
        let server: unknown;
        let client: unknown;
        try {
          server = checkRows(definition, [{ id: 'e', x: cellText }], { field: 'rows', fromText: true })[0]!.values.x ?? null;
        } catch {
          server = 'refused';
        }
        try {
          client = fromText(type, cellText, () => 'here', 'f.csv');
        } catch {
          client = 'refused';
        }
        expect(client).toEqual(server);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the example v1 file: a few hundred users, all typed', async () => {
    const file = await readDataFile(join(__dirname, '../../../examples/user_profile.v1.csv'), {
      ...shape,
      features: [...shape.features, { name: 'purchases_30d', type: 'int' }],
    });
    expect(file.records.length).toBeGreaterThanOrEqual(200);
    expect(new Set(file.records.map((r) => r.user_id)).size).toBe(file.records.length);
    expect(file.records.every((r) => typeof r.avg_basket === 'number' && typeof r.is_premium === 'boolean')).toBe(true);
  });
});

describe('JSON lines', () => {
  it('reads one object per line, skipping blank lines but counting them', async () => {
    const file = await parseDataFile(text('{"user_id":"u1","age":3}\n\n{"user_id":"u2","age":null}\n'), 'u.jsonl', 'jsonl', shape);
    expect(file.records).toEqual([
      { user_id: 'u1', age: 3 },
      { user_id: 'u2', age: null },
    ]);
    expect(file.where(1)).toBe('line 3');
  });

  it('names the line that is not JSON, or not an object', async () => {
    await expect(parseDataFile(text('{"user_id":"u1"}\n{oops\n'), 'u.jsonl', 'jsonl', shape)).rejects.toThrow(/^u\.jsonl: line 2 is not valid JSON/);
    await expect(parseDataFile(text('[1,2]\n'), 'u.ndjson', 'jsonl', shape)).rejects.toThrow('u.ndjson: line 1 must be a JSON object');
  });
});

describe('Parquet', () => {
  it('reads rows and turns INT64 bigints into JSON-safe numbers', async () => {
    const bytes = parquetWriteBuffer({
      columnData: [
        { name: 'user_id', data: ['u1', 'u2'], type: 'STRING' },
        { name: 'age', data: [34n, null], type: 'INT64' },
        { name: 'avg_basket', data: [27.5, 3], type: 'DOUBLE' },
        { name: 'is_premium', data: [true, false], type: 'BOOLEAN' },
      ],
    });
    const file = await parseDataFile(new Uint8Array(bytes), 'u.parquet', 'parquet', shape);
    expect(file.records).toEqual([
      { user_id: 'u1', age: 34, avg_basket: 27.5, is_premium: true },
      { user_id: 'u2', age: null, avg_basket: 3, is_premium: false },
    ]);
    expect(JSON.parse(JSON.stringify(file.records))).toEqual(file.records);
    expect(file.where(1)).toBe('row 2');
  });

  it('refuses integers a double cannot hold, and files that are not Parquet', async () => {
    const bytes = parquetWriteBuffer({ columnData: [{ name: 'age', data: [2n ** 60n], type: 'INT64' }] });
    await expect(parseDataFile(new Uint8Array(bytes), 'u.parquet', 'parquet', shape)).rejects.toThrow(/row 1, column age: integer \d+ is outside the safe range/);
    await expect(parseDataFile(text('not parquet'), 'u.parquet', 'parquet', shape)).rejects.toThrow(/is not a readable Parquet file/);
  });
});

describe('files', () => {
  it('picks the format from the extension, and refuses others', () => {
    expect(['a.csv', 'a.JSONL', 'a.ndjson', 'a.parquet'].map(dataFormatOf)).toEqual(['csv', 'jsonl', 'jsonl', 'parquet']);
    expect(() => dataFormatOf('a.xlsx')).toThrow('a.xlsx: must be a .csv, .jsonl, .ndjson or .parquet file');
  });

  it('names a file that cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-data-'));
    await expect(readDataFile(join(dir, 'none.csv'), shape)).rejects.toThrow('none.csv: cannot read the file (ENOENT)');
    writeFileSync(join(dir, 'one.jsonl'), '{"user_id":"u1"}\n');
    await expect(readDataFile(join(dir, 'one.jsonl'), shape)).resolves.toMatchObject({ format: 'jsonl', records: [{ user_id: 'u1' }] });
  });
});
