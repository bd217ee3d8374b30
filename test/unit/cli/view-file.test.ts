/**
 * View files are checked on this machine with the API's own schemas, so a mistake is named
 * by its file and field before anything is sent.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadViewFile, parseViewFile, viewNameFromPath, ViewFileError } from '../../../cli/view-file';

const minimal = 'definition:\n  entity: id\n  features:\n    - { name: score, type: float }\n';

function failure(text: string, path = 'v.view.yaml'): ViewFileError {
  try {
    parseViewFile(text, path);
  } catch (error) {
    if (error instanceof ViewFileError) return error;
    throw error;
  }
  throw new Error('expected the view file to be refused');
}

describe('the example view files', () => {
  it.each(['user_profile.view.yaml', 'user_profile.v2.view.yaml'])('%s loads, names its view and keeps every part of the request', async (name) => {
    const { view, spec } = await loadViewFile(join(__dirname, '../../../examples', name));
    expect(view).toBe('user_profile');
    expect(spec.definition.entity).toBe('user_id');
    expect(spec.definition.features.map((f) => [f.name, f.type])).toEqual([
      ['age', 'int'],
      ['country', 'string'],
      ['purchases_30d', 'int'],
      ['avg_basket', 'float'],
      ['is_premium', 'bool'],
    ]);
    expect(spec.definition.features.every((f) => f.default !== undefined)).toBe(true);
    expect(spec.transformation).toMatchObject({ kind: 'sql', ref: expect.stringContaining('user_profile.sql') });
    expect(spec.sources.every((s) => /^sha256:[0-9a-f]{64}$/.test(s.checksum ?? ''))).toBe(true);
    expect(spec.consumers).toEqual(['churn-model', 'ltv-model']);
    expect(spec.changelog).toBeTruthy();
  });
});

describe('parseViewFile', () => {
  it('applies the API defaults (tier, owners, sources, consumers)', () => {
    const { spec } = parseViewFile(minimal, 'scores.view.yaml');
    expect(spec.definition).toMatchObject({ tier: 'standard', owners: [] });
    expect(spec).toMatchObject({ sources: [], consumers: [] });
  });

  it('takes the view name from `view:`, else from --view, else from the file name', () => {
    expect(parseViewFile(`view: named\n${minimal}`, 'file.view.yaml').view).toBe('named');
    expect(parseViewFile(`view: named\n${minimal}`, 'file.view.yaml', { view: 'override' }).view).toBe('override');
    expect(parseViewFile(minimal, 'dir/user_scores.view.yml').view).toBe('user_scores');
    expect(viewNameFromPath('/a/b/clicks.json')).toBe('clicks');
  });

  it('reads JSON view files too', () => {
    const json = JSON.stringify({ view: 'j', definition: { entity: 'id', features: [{ name: 'x', type: 'int', default: 0 }] } });
    expect(parseViewFile(json, 'j.view.json').spec.definition.features[0]).toEqual({ name: 'x', type: 'int', default: 0 });
  });

  it('names the field of a bad value, as a path in the file', () => {
    const error = failure('definition:\n  entity: id\n  features:\n    - { name: score, type: decimal }\n');
    expect(error.field).toBe('definition.features[0].type');
    expect(error.message).toBe('v.view.yaml: definition.features[0].type: must be one of int, float, string, bool');
  });

  it('says a required field is required', () => {
    expect(failure('definition:\n  features:\n    - { name: score, type: int }\n').message).toBe('v.view.yaml: definition.entity: is required');
  });

  it('refuses an unknown key (usually a typo) and lists the allowed ones', () => {
    const error = failure(`${minimal}consumer: [churn-model]\n`);
    expect(error.field).toBe('consumer');
    expect(error.message).toMatch(/consumer: is not a view file key \(allowed: .*consumers/);
  });

  it('sends command-line decisions back to the command line', () => {
    expect(failure(`${minimal}activate: true\n`).message).toBe('v.view.yaml: activate: belongs on the command line (--activate), not in the view file');
  });

  it("runs the API's cross-field checks: the entity cannot be a feature, consumers read declared features", () => {
    expect(failure('definition:\n  entity: score\n  features:\n    - { name: score, type: int }\n').field).toBe('definition.entity');
    expect(failure(`${minimal}consumers:\n  - { name: m, features: [nope] }\n`).message).toMatch(/consumers\[0\]\.features\[0\]: 'nope' is not a feature/);
  });

  it('refuses rows and snapshotUri together, and a view name the API would refuse', () => {
    expect(failure(`${minimal}rows: [{ id: a }]\nsnapshotUri: s3://b/k.csv\n`).field).toBe('snapshotUri');
    expect(failure(`view: 1st\n${minimal}`).field).toBe('view');
  });

  it('reports YAML syntax errors with their position, and empty files plainly', () => {
    expect(failure('definition: [\n').message).toMatch(/^v\.view\.yaml: is not valid YAML: .*line \d+/);
    expect(failure('').message).toMatch(/must hold a mapping/);
    expect(failure('{', 'v.json').message).toMatch(/is not valid JSON/);
    expect(failure(minimal, 'v.toml').message).toMatch(/must be a \.yaml, \.yml or \.json file/);
  });

  it('names a file that cannot be read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rewind-view-'));
    await expect(loadViewFile(join(dir, 'missing.view.yaml'))).rejects.toThrow('missing.view.yaml: cannot read the file (ENOENT)');
    writeFileSync(join(dir, 'ok.view.yaml'), minimal);
    await expect(loadViewFile(join(dir, 'ok.view.yaml'))).resolves.toMatchObject({ view: 'ok' });
  });
});
