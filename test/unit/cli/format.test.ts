/** Human output: tables line up, long cells are cut, values read the same everywhere. */
import { bytes, cell, keyValues, ms, table, truncate, version, when } from '../../../cli/format';

describe('table', () => {
  it('aligns every column to its widest cell, with a header row', () => {
    const out = table(['VERSION', 'STATUS'], [
      [1, 'active'],
      [12, 'rolled-back'],
    ]);
    expect(out.split('\n')).toEqual(['VERSION  STATUS', '1        active', '12       rolled-back']);
  });

  it('right-aligns the columns asked for, and never leaves trailing spaces', () => {
    const out = table(['REV', 'ACTOR'], [
      [3, 'ada'],
      [10, null],
    ], { alignRight: ['REV'] });
    expect(out.split('\n')).toEqual(['REV  ACTOR', '  3  ada', ' 10  -']);
    expect(out.split('\n').every((l) => l === l.trimEnd())).toBe(true);
  });

  it('cuts long cells with an ellipsis and keeps multi-line text on one line', () => {
    const out = table(['REASON'], [['a'.repeat(100)], ['two\nlines']], { maxCellWidth: 10 });
    expect(out.split('\n')).toEqual(['REASON', `${'a'.repeat(9)}…`, 'two lines']);
  });

  it('prints just the header when there are no rows', () => {
    expect(table(['A', 'B'], [])).toBe('A  B');
  });
});

describe('values', () => {
  it.each([
    [null, '-'],
    [undefined, '-'],
    ['', '-'],
    [0, '0'],
    [false, 'false'],
    [27.24, '27.24'],
    [0.1 + 0.2, '0.3'],
    [{ rows: 3 }, '{"rows":3}'],
  ])('cell(%p) is %p', (value, text) => {
    expect(cell(value)).toBe(text);
  });

  it('formats sizes, durations, times and versions', () => {
    expect([bytes(512), bytes(1536), bytes(10 * 1024 * 1024), bytes(300 * 1024)]).toEqual(['512 B', '1.5 KB', '10 MB', '300 KB']);
    expect(ms(12.6)).toBe('13 ms');
    expect(when('2025-06-01T04:10:33.123Z')).toBe('2025-06-01 04:10:33Z');
    expect(when(undefined)).toBe('-');
    expect([version(3), version(null)]).toEqual(['v3', '-']);
    expect(truncate('short', 10)).toBe('short');
  });

  it('aligns key/value pairs on the longest key', () => {
    expect(keyValues([['data', 'x.csv'], ['snapshot', null]])).toBe('data      x.csv\nsnapshot  -');
  });
});
