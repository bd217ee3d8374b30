/**
 * Row-group lookups against s3rver (issue 12, item 2): a snapshot is written sorted by entity in
 * bounded row groups, with the footer's and every group's sha256 in its reference; a lookup
 * reads the footer once and one group by a ranged GET, verified before it is decoded. A tampered
 * group or footer is refused; a snapshot written before the index is read whole, as before.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SnapshotIntegrityError } from '../../core/errors';
import type { SnapshotRef, ViewDefinition } from '../../core/model';
import { checkRows } from '../../core/rows';
import { createS3Client } from '../../store/clients';
import { storeConfigFromEnv } from '../../store/config';
import { S3SnapshotStore, parseS3Uri } from '../../store/s3-snapshots';
import { arrayBufferOf, rowGroupRange } from '../../store/snapshot-index';
import { parquetMetadata } from 'hyparquet';
import { rows, userProfile } from '../support/fixtures';
import { startTestRewind, type TestRewind } from '../support/rewind';

let rewind: TestRewind;
let s3: S3Client;
const definition: ViewDefinition = { ...userProfile, features: [...userProfile.features], tier: 'standard', owners: [] };
/** 250 rows in groups of 50: five groups. Written shuffled, so the writer's sort is what orders them. */
const checked = checkRows(definition, rows(250).reverse(), { field: 'rows' });
const store = () => new S3SnapshotStore(s3, rewind.bucket, { rowGroupRows: 50 });

beforeAll(async () => {
  rewind = await startTestRewind('rowgroups');
  s3 = createS3Client({ forcePathStyle: storeConfigFromEnv().s3ForcePathStyle });
});
afterAll(async () => {
  s3.destroy();
  await rewind.stop();
});

async function objectBytes(ref: SnapshotRef): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: rewind.bucket, Key: parseS3Uri(ref.uri).key }));
  return out.Body!.transformToByteArray();
}
const overwrite = (ref: SnapshotRef, body: Uint8Array) => s3.send(new PutObjectCommand({ Bucket: rewind.bucket, Key: parseS3Uri(ref.uri).key, Body: body }));

it('records the index, and a lookup reads the footer once and one row group, not the file', async () => {
  const writer = store();
  const ref = await writer.write(rewind.view('rg'), 1, definition, checked);
  expect(ref.index).toMatchObject({ sortedBy: 'entity', rowGroupRows: 50 });
  expect(ref.index!.rowGroupSha256).toHaveLength(5);
  const whole = new Map((await writer.read(ref, definition)).map((r) => [r.entity, r.values] as const));

  const reader = store();
  const first = await reader.lookup(ref, definition, ['u123']);
  expect(first).toEqual(new Map([['u123', whole.get('u123')]]));
  expect(reader.reads.requests).toBe(2);
  const footerAndGroup = reader.reads.bytes;
  expect(footerAndGroup).toBeLessThan(ref.bytes / 2);
  // The footer is cached (the file is immutable): the next lookup is one ranged GET.
  const second = await reader.lookup(ref, definition, ['u7', 'nobody']);
  expect(second).toEqual(new Map([['u7', whole.get('u7')]]));
  expect(reader.reads.requests).toBe(3);
  expect(reader.reads.bytes - footerAndGroup).toBeLessThan(ref.bytes / 3);
  // Every entity is found in its group, with the values the whole file holds.
  const all = await store().lookup(ref, definition, [...whole.keys()]);
  expect(all).toEqual(whole);
});

it('refuses a tampered row group, and still answers from the groups that match their checksums', async () => {
  const writer = store();
  const ref = await writer.write(rewind.view('rg_tamper'), 1, definition, checked);
  const bytes = await objectBytes(ref);
  // Flip one byte in the middle of the third row group's column chunks.
  const tampered = bytes.slice();
  const { start, end } = rowGroupRange(parquetMetadata(arrayBufferOf(bytes)), 2);
  const middle = Math.floor((start + end) / 2);
  tampered[middle] = tampered[middle]! ^ 0xff;
  await overwrite(ref, tampered);
  const reader = store();
  // Every fifth entity: ten per group.
  const probes = await Promise.all(
    checked.filter((_, i) => i % 5 === 0).map((r) =>
      reader.lookup(ref, definition, [r.entity]).then(
        () => 'ok',
        (error: unknown) => (error instanceof SnapshotIntegrityError ? 'refused' : 'other'),
      ),
    ),
  );
  // The third group's ten are refused, the other forty answer.
  expect(probes.filter((p) => p === 'refused')).toHaveLength(10);
  expect(probes.filter((p) => p === 'ok')).toHaveLength(40);
});

it('refuses a tampered footer before reading any row group', async () => {
  const ref = await store().write(rewind.view('rg_footer'), 1, definition, checked);
  const tampered = (await objectBytes(ref)).slice();
  tampered[ref.index!.footerOffset + 3] = tampered[ref.index!.footerOffset + 3]! ^ 0x01;
  await overwrite(ref, tampered);
  const reader = store();
  await expect(reader.lookup(ref, definition, ['u1'])).rejects.toThrow(SnapshotIntegrityError);
  expect(reader.reads.requests).toBe(1);
});

it('reads a snapshot written before the index whole, checked against its sha256', async () => {
  const ref = await store().write(rewind.view('rg_old'), 1, definition, checked);
  const { index: _index, ...old } = ref;
  const reader = store();
  expect((await reader.lookup(old, definition, ['u42'])).get('u42')).toEqual(checked.find((r) => r.entity === 'u42')!.values);
  expect(reader.reads).toEqual({ requests: 1, bytes: ref.bytes });
  const tampered = (await objectBytes(ref)).slice();
  tampered[10] = tampered[10]! ^ 0xff;
  await overwrite(ref, tampered);
  await expect(store().lookup(old, definition, ['u42'])).rejects.toThrow(SnapshotIntegrityError);
});

it('finds entities outside ASCII, sorted in UTF-8 byte order as Parquet statistics compare them', async () => {
  const names = ['a', 'z', 'é', '\u{e000}x', '\u{ffff}', '\u{1f600}', '\u{10000}b', 'Z', '0', '~', '\u{fffd}'];
  const unicode = checkRows(definition, names.flatMap((n, i) => rows(3, i).map((r, j) => ({ ...r, user_id: `${n}${j}` }))), { field: 'rows' });
  const ref = await new S3SnapshotStore(s3, rewind.bucket, { rowGroupRows: 4 }).write(rewind.view('rg_unicode'), 1, definition, unicode);
  const found = await new S3SnapshotStore(s3, rewind.bucket, { rowGroupRows: 4 }).lookup(ref, definition, unicode.map((r) => r.entity));
  expect(found).toEqual(new Map(unicode.map((r) => [r.entity, r.values] as const)));
  // One at a time too: each by its own group, not by the whole-file path a big lookup takes.
  const one = new S3SnapshotStore(s3, rewind.bucket);
  for (const r of unicode) expect((await one.lookup(ref, definition, [r.entity])).get(r.entity)).toEqual(r.values);
});
