/** Where feature data lives: online values (DynamoDB) and snapshots and documents (S3). */
import type { FeatureRow } from '../rows';
import type { ArtifactRef, FeatureValue, SnapshotRef, ViewDefinition } from '../model';

/** One online row's address within a view. */
export interface OnlineKey {
  version: number;
  entity: string;
}

export interface OnlineStore {
  /** Writes rows under (view, version); returns the number written. */
  write(view: string, version: number, rows: readonly FeatureRow[], onProgress?: (written: number) => void): Promise<number>;
  get(view: string, version: number, entity: string): Promise<Record<string, FeatureValue> | undefined>;
  /**
   * The stored values of many (version, entity) keys of one view, aligned with `keys`
   * (undefined: no row). Up to 100 keys are one BatchGetItem on DynamoDB; more are split.
   */
  getMany(view: string, keys: readonly OnlineKey[]): Promise<(Record<string, FeatureValue> | undefined)[]>;
  /**
   * Deletes the rows of (view, version) for `entities` (read from the snapshot); returns how
   * many. Each delete batch is conditioned on the version's materialization being `purging`
   * (in the same transaction), so a rebuild that claimed it stops the purge: throws
   * PurgeInterruptedError, and no row the rebuild writes is deleted after its claim.
   */
  purge(view: string, version: number, entities: readonly string[]): Promise<number>;
}

/** Raw records read from a data file, before they are checked against a definition. */
export interface SourceRecords {
  records: Record<string, unknown>[];
  /** Values are text (CSV) and need converting to the declared types. */
  fromText: boolean;
}

/** A data file as a sequence of record batches (SnapshotStore.streamSource). */
export interface SourceStream {
  /** Values arrive as text (CSV) and are converted to the declared types. */
  fromText: boolean;
  /**
   * The records from the `from`-th on (0, the default: the first), a batch at a time. Batches
   * start at multiples of the stream's batch size within a Parquet row group (the file's
   * first record for text), so a stream resumed at a batch boundary yields the same batches
   * an uninterrupted one would have from there: what lets a deploy job's validation stop and
   * resume (core/job-validation.ts).
   */
  batches(from?: number): AsyncIterable<Record<string, unknown>[]>;
}

/**
 * Where a suspended snapshot writer stopped (SnapshotWriter.suspend): plain JSON, kept by the
 * caller (a deploy job's validation checkpoint) and handed back to SnapshotStore.openSnapshot
 * to go on writing the same file. Opaque outside the store that made it.
 */
export type SnapshotWriterState = { readonly store: string } & Record<string, unknown>;

/** A snapshot being written a batch at a time (SnapshotStore.openSnapshot). */
export interface SnapshotWriter {
  append(rows: readonly FeatureRow[]): Promise<void>;
  /** Stores the snapshot; its reference, as SnapshotStore.write returns it. */
  finish(): Promise<SnapshotRef>;
  /** Drops what was written (a failed validation), a suspended writer's stored parts included. */
  abort(): Promise<void>;
  /**
   * Stops writing for now: every row appended so far is stored (not in this process's memory
   * or disk), nothing is finished, and the state returned reopens the writer where it stopped
   * (openSnapshot's `resume`), in this process or another. The snapshot finished after any
   * number of suspensions is the same file, byte for byte, as one written without any.
   * Absent: the writer cannot be suspended (its caller validates in one go).
   */
  suspend?(): Promise<SnapshotWriterState>;
}

export interface SnapshotStore {
  /** Encodes rows as Parquet and stores them under a content-addressed key. */
  write(view: string, version: number, definition: ViewDefinition, rows: readonly FeatureRow[]): Promise<SnapshotRef>;
  /** Reads a snapshot back, refusing bytes whose sha256 differs from the reference. */
  read(ref: SnapshotRef, definition: ViewDefinition): Promise<FeatureRow[]>;
  /**
   * The stored values of `entities` in a snapshot (an entity without a row is absent from the
   * map), verified: with an index (SnapshotRef.index) only the footer and the row groups whose
   * entity range holds one of them are read, each checked against its recorded sha256; without
   * one, the whole file, checked against the snapshot's. Throws SnapshotIntegrityError on a mismatch.
   */
  lookup(ref: SnapshotRef, definition: ViewDefinition, entities: readonly string[]): Promise<Map<string, Record<string, FeatureValue>>>;
  /**
   * Reads a user's data file (Parquet, JSON lines or CSV) from an s3:// URI, for a deploy of
   * `view`. In Rewind's own bucket only an upload or one of `view`'s own snapshots may be
   * named: another view's snapshot is refused (ValidationError on snapshotUri), so a deploy
   * cannot copy data it was never given (issue 10 finding 8).
   */
  readSource(uri: string, view: string, field?: string): Promise<SourceRecords>;
  /**
   * How many rows the data file at `uri` holds, read without decoding them (the same checks
   * on `uri` as readSource): what decides whether a deploy runs as a job. Absent, or
   * undefined: unknown (the deploy runs synchronously, as before).
   */
  countSourceRows?(uri: string, view: string): Promise<number | undefined>;
  /**
   * A user's data file read a batch of records at a time (Parquet: row group by row group;
   * JSON lines and CSV: streamed), with readSource's checks and errors, so a deploy job holds
   * one batch, never the file. `batches()` may be iterated again (it reads the file again).
   * Absent: the caller reads the file whole with readSource.
   */
  streamSource?(uri: string, view: string, batchRows: number): Promise<SourceStream>;
  /**
   * Writes a snapshot batch by batch (one Parquet row group each), kept out of memory until
   * `finish` stores it under its content-addressed key, as `write` does. Absent: the caller
   * collects the rows and calls write. `resume`: a suspended writer's state (SnapshotWriter.suspend),
   * to go on writing that file.
   */
  openSnapshot?(view: string, version: number, definition: ViewDefinition, resume?: SnapshotWriterState): Promise<SnapshotWriter>;
  /** A short-lived URL to PUT a data file to, and the s3:// URI it will have. */
  createUpload(fileName: string): Promise<{ uploadUrl: string; snapshotUri: string; expiresInSeconds: number }>;
  /** Stores a JSON document next to a version's snapshot under a content-addressed key. */
  putDocument(view: string, version: number, name: string, document: unknown): Promise<ArtifactRef>;
  /** Reads a document back, refusing bytes whose sha256 differs from the reference. */
  getDocument<T>(ref: ArtifactRef): Promise<T>;
  /** Encodes a training set (core/training-sets.ts) as Parquet under `training-sets/<view>/<sha256>.parquet`; its id is the sha256. */
  putTrainingSet(view: string, table: TrainingSetTable): Promise<ArtifactRef & { id: string }>;
  /**
   * A training set written a batch of rows at a time (one Parquet row group each, kept out of
   * memory), stored by `finish` where putTrainingSet stores one. Absent: the caller collects
   * the rows and calls putTrainingSet.
   */
  openTrainingSet?(view: string, columns: TrainingSetTable['columns'], metadata: Record<string, string>): Promise<TrainingSetWriter>;
  /** A short-lived URL to GET a stored training set, or undefined when there is none with that id. */
  trainingSetDownload(view: string, id: string): Promise<{ uri: string; bytes: number; downloadUrl: string; expiresInSeconds: number } | undefined>;
}

/** A training set being written a batch at a time (SnapshotStore.openTrainingSet). */
export interface TrainingSetWriter {
  append(rows: readonly FeatureValue[][]): Promise<void>;
  finish(): Promise<ArtifactRef & { id: string }>;
}

/** A training set's columns, in order, and its rows (one value per column; null where nothing was served). */
export interface TrainingSetTable {
  columns: { name: string; type: 'string' | 'int' | 'float' | 'bool' }[];
  rows: FeatureValue[][];
  /** Key-value metadata for the file's footer (the view, the request, when). */
  metadata: Record<string, string>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
