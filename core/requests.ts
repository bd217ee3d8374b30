/**
 * Request contracts, validated once at the edge. Each schema is also the TypeScript type of
 * what it accepts, and a failure becomes a ValidationError naming the offending field.
 */
import * as z from 'zod';
import { ValidationError } from './errors';
import { APPROVABLE_ACTIONS, ARTIFACT_KINDS, ARTIFACT_TIERS, FEATURE_TYPES, RELEASE_STRATEGIES, TIERS, type ArtifactKind, type ArtifactTier } from './model';
import { PolicyDocumentSchema } from './access-policy';
import { ValidationPolicySchema } from './validation/tolerances';
import { RunbookSchema } from './runbook';
import { MAX_ENTITY_KEY_BYTES, firstNumberProblem, numberProblem, utf8Bytes } from './limits';
import { matchesType } from './rows';

/** View and feature names become DynamoDB keys and S3 key segments: keep them plain. */
const identifier = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/, 'must start with a letter and contain only letters, digits, _ . -');

const featureValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

/** The refresh tier a known artifact kind has when the request does not say. */
const DEFAULT_ARTIFACT_TIER: Record<ArtifactKind, ArtifactTier> = { 'cache-namespace': 'data', 'feature-vector-table': 'model', dashboard: 'dashboard' };

export const DerivedArtifactSchema = z
  .object({
    kind: z.enum(ARTIFACT_KINDS, { error: `must be one of ${ARTIFACT_KINDS.join(', ')}` }),
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_./:-]{0,254}$/, 'must be 1–255 letters, digits, _ . / : -'),
    tier: z.enum(ARTIFACT_TIERS, { error: `must be one of ${ARTIFACT_TIERS.join(', ')}` }).optional(),
  })
  .strict()
  .transform((a) => ({ kind: a.kind, name: a.name, tier: a.tier ?? DEFAULT_ARTIFACT_TIER[a.kind] }));

export const FeatureSpecSchema = z
  .object({
    name: identifier,
    type: z.enum(FEATURE_TYPES, { error: `must be one of ${FEATURE_TYPES.join(', ')}` }),
    default: featureValue.optional(),
    description: z.string().max(1000).optional(),
  })
  .superRefine((f, ctx) => {
    // A default is served for every entity without a value: it must be a value of the feature.
    if (f.default === undefined || f.default === null || matchesType(f.type, f.default)) return;
    const why = f.type === 'float' && typeof f.default === 'number' ? numberProblem(f.default)! : `must be a ${f.type} like the feature, got ${JSON.stringify(f.default).slice(0, 40)}`;
    ctx.addIssue({ code: 'custom', path: ['default'], message: why });
  });

export const ViewDefinitionSchema = z.object({
  entity: identifier,
  features: z
    .array(FeatureSpecSchema)
    .min(1, 'must declare at least one feature')
    .max(500)
    .superRefine((features, ctx) => {
      const seen = new Set<string>();
      features.forEach((f, i) => {
        if (seen.has(f.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate feature '${f.name}'` });
        seen.add(f.name);
      });
    }),
  tier: z.enum(TIERS).default('standard'),
  owners: z.array(z.string().min(1)).default([]),
});

export const DeployRequestSchema = z
  .object({
    definition: ViewDefinitionSchema,
    transformation: z
      .object({
        kind: z.string().min(1),
        ref: z.string().min(1),
        code: z.string().optional(),
        /** Each feature's inputs, as (source URI, field): the deploy's OpenLineage `columnLineage` facet (docs/lineage.md). */
        columnLineage: z.record(z.string(), z.array(z.object({ source: z.string().min(1), field: z.string().min(1) }).strict()).max(50)).optional(),
      })
      .optional(),
    sources: z.array(z.object({ uri: z.string().min(1), checksum: z.string().optional(), ingestedAt: z.string().optional() })).default([]),
    // A model name, or { name, features } for a model that reads only some features: preflight
    // then blocks only the changes that break what it reads.
    consumers: z
      .array(z.union([z.string().min(1), z.object({ name: z.string().min(1), features: z.array(identifier).optional() }).strict()]))
      .default([]),
    changelog: z.string().max(10_000).optional(),
    rows: z.array(z.record(z.string(), z.unknown())).optional(),
    snapshotUri: z.string().regex(/^s3:\/\/[^/]+\/.+/, 'must look like s3://bucket/key').optional(),
    activate: z.boolean().default(false),
    reason: z.string().max(1000).optional(),
    validation: ValidationPolicySchema.optional(),
    artifacts: z.array(DerivedArtifactSchema).max(50).default([]),
    /** The steps that run after every rollback of this view (core/runbook.ts); absent: the default runbook. */
    runbook: RunbookSchema.optional(),
    /** Materialize as a job (202 and a job id, GET /jobs/{id}) whatever the size; a large snapshotUri file takes that path anyway. */
    async: z.boolean().optional(),
  })
  .superRefine((body, ctx) => {
    if (body.rows === undefined && body.snapshotUri === undefined)
      ctx.addIssue({ code: 'custom', path: ['rows'], message: 'give either rows or snapshotUri' });
    if (body.rows !== undefined && body.snapshotUri !== undefined)
      ctx.addIssue({ code: 'custom', path: ['snapshotUri'], message: 'give rows or snapshotUri, not both' });
    if (body.definition.features.some((f) => f.name === body.definition.entity))
      ctx.addIssue({ code: 'custom', path: ['definition', 'entity'], message: 'the entity key cannot also be a feature' });
    const declared = new Set(body.definition.features.map((f) => f.name));
    const names = new Set<string>();
    body.consumers.forEach((c, i) => {
      const name = typeof c === 'string' ? c : c.name;
      if (names.has(name)) ctx.addIssue({ code: 'custom', path: ['consumers', i], message: `consumer '${name}' is listed twice` });
      names.add(name);
      if (typeof c === 'string') return;
      c.features?.forEach((f, j) => {
        if (!declared.has(f)) ctx.addIssue({ code: 'custom', path: ['consumers', i, 'features', j], message: `'${f}' is not a feature of this view` });
      });
    });
    const sourceUris = new Set(body.sources.map((s) => s.uri));
    for (const [feature, inputs] of Object.entries(body.transformation?.columnLineage ?? {})) {
      if (!declared.has(feature)) ctx.addIssue({ code: 'custom', path: ['transformation', 'columnLineage', feature], message: `'${feature}' is not a feature of this view` });
      inputs.forEach((input, i) => {
        if (!sourceUris.has(input.source))
          ctx.addIssue({ code: 'custom', path: ['transformation', 'columnLineage', feature, i, 'source'], message: `'${input.source}' is not one of this version's sources` });
      });
    }
    for (const name of Object.keys(body.validation?.features ?? {}))
      if (!declared.has(name)) ctx.addIssue({ code: 'custom', path: ['validation', 'features', name], message: `'${name}' is not a feature of this view` });
    // Everything but the rows goes into the version record: its numbers must be ones DynamoDB
    // stores (rows are checked by their features' types, core/rows.ts).
    const { rows: _rows, ...recorded } = body;
    const problem = firstNumberProblem(recorded);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  });
export type DeployRequest = z.infer<typeof DeployRequestSchema>;

const revision = z.number().int().min(0);
const versionNumber = z.number().int().min(1);

/** Longest bake a canary or shadow may ask for: a week. */
export const MAX_BAKE_SECONDS = 7 * 24 * 3600;

export const ActivateRequestSchema = z
  .object({
    version: versionNumber,
    expectedRevision: revision.optional(),
    reason: z.string().max(1000).optional(),
    /** all-at-once (default): everyone gets `version`; canary: `percent` of entities do; shadow: nobody does, the monitor sees it. */
    strategy: z.enum(RELEASE_STRATEGIES, { error: `must be one of ${RELEASE_STRATEGIES.join(', ')}` }).default('all-at-once'),
    percent: z.number().gt(0, 'must be above 0').max(100).multipleOf(0.01, 'is honoured to 0.01').optional(),
    bakeSeconds: z.number().int().min(1).max(MAX_BAKE_SECONDS).optional(),
  })
  .superRefine((body, ctx) => {
    if (body.strategy === 'canary' && body.percent === undefined) ctx.addIssue({ code: 'custom', path: ['percent'], message: 'a canary needs a percent of entities (0–100]' });
    if (body.strategy !== 'canary' && body.percent !== undefined)
      ctx.addIssue({ code: 'custom', path: ['percent'], message: `only a canary takes a percent (strategy is ${body.strategy})` });
    if (body.strategy === 'all-at-once' && body.bakeSeconds !== undefined)
      ctx.addIssue({ code: 'custom', path: ['bakeSeconds'], message: 'only a canary or a shadow bakes' });
  });
export type ActivateRequest = z.input<typeof ActivateRequestSchema>;

export const RollbackRequestSchema = z.object({
  toVersion: versionNumber.optional(),
  reason: z.string().min(1, 'say why you are rolling back').max(1000),
  expectedRevision: revision.optional(),
  /** Roll back a view whose tier needs an approval without one; only a role allowed to `break-glass` (an admin) may, and it is recorded. */
  breakGlassReason: z.string().min(1).max(1000).optional(),
  /**
   * What the answer carries about the version left: `inline` (default) the blast-radius report,
   * computed after the commit within a bounded wait; `link` only its URL, for a caller (a script,
   * a drill) that wants the answer as soon as the pointer has moved. The commit is the same.
   */
  blastRadius: z.enum(['inline', 'link']).optional(),
});
export type RollbackRequest = z.infer<typeof RollbackRequestSchema>;

/** Most history entries one republish request replays; the answer names where the next page starts. */
export const MAX_REPUBLISH_REVISIONS = 200;

/** POST /events/republish: replay the events of a view's committed changes `fromRevision`..`toRevision` (default: its newest). */
export const RepublishRequestSchema = z
  .object({
    view: identifier,
    fromRevision: z.number('must be a revision number').int('must be an integer').min(1, 'must be ≥ 1 (revisions start at 1)'),
    toRevision: z.number('must be a revision number').int('must be an integer').min(1, 'must be ≥ 1 (revisions start at 1)').optional(),
  })
  .superRefine((body, ctx) => {
    if (body.toRevision !== undefined && body.toRevision < body.fromRevision)
      ctx.addIssue({ code: 'custom', path: ['toRevision'], message: `must be ≥ fromRevision (${body.fromRevision})` });
  });
export type RepublishRequest = z.infer<typeof RepublishRequestSchema>;

export const UploadRequestSchema = z.object({
  fileName: z.string().regex(/^[^/\\]+\.(parquet|jsonl|ndjson|csv)$/i, 'must be a .parquet, .jsonl, .ndjson or .csv file name'),
});

export const ViewParamsSchema = z.object({ view: identifier });
/** A deploy job's id (core/jobs.ts newJobId: a UUID). */
export const JobParamsSchema = z.object({ id: z.string().regex(/^[0-9a-f-]{36}$/, 'must be a job id (a UUID)') });
/**
 * A version in a path: a canonical decimal integer ≥ 1 and nothing else. Number() coercion
 * read `0x2`, ` 2` (`%202`), `2.0` and `1e0` as versions (issue 10 finding 8): one version
 * would answer to many spellings.
 */
const versionSegment = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, 'must be a version number: decimal digits, ≥ 1, no sign, leading zero, spaces or other notation')
  .transform(Number);
export const VersionParamsSchema = z.object({ view: identifier, version: versionSegment });
export const OnlineParamsSchema = z.object({
  view: identifier,
  // As a deploy takes it (core/rows.ts entityKey): by UTF-8 bytes, for it is part of a DynamoDB key.
  entity: z
    .string()
    .min(1)
    .max(MAX_ENTITY_KEY_BYTES)
    .refine((e) => utf8Bytes(e) <= MAX_ENTITY_KEY_BYTES, `must be at most ${MAX_ENTITY_KEY_BYTES} bytes in UTF-8`),
});
/** An instant, ISO 8601 with a time zone (`2026-11-30T02:14:00Z`, `…+01:00`): the past a time-travel read asks about. */
export const AsOfQuerySchema = z.object({
  at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with a time zone, e.g. 2026-11-30T02:14:00Z' }),
});
/** The most inline rows a training-set request may carry; more go in a file (`dataUri`, POST /uploads). */
export const TRAINING_SET_INLINE_MAX_ROWS = 1000;
const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with a time zone, e.g. 2026-11-30T02:14:00Z' });
/** A column name of the entity-and-timestamp file. */
const columnName = z.string().min(1).max(256);
/**
 * `POST /views/{view}/training-sets`: (entity, instant) rows inline, or a CSV or Parquet file
 * in S3 (an upload, POST /uploads) whose columns are named by `entityColumn` (default: the
 * view's entity key) and `timestampColumn` (default `at`).
 */
export const TrainingSetRequestSchema = z
  .object({
    rows: z.array(z.object({ entity: z.string().min(1).max(1024), at: instant }).strict()).min(1).max(TRAINING_SET_INLINE_MAX_ROWS, `at most ${TRAINING_SET_INLINE_MAX_ROWS} inline rows: put more in a file (dataUri)`).optional(),
    dataUri: z.string().regex(/^s3:\/\/[^/]+\/.+\.(csv|parquet)$/i, 'must look like s3://bucket/key.csv or s3://bucket/key.parquet').optional(),
    entityColumn: columnName.optional(),
    timestampColumn: columnName.default('at'),
    /** `true`: built by a job (202), whatever the size; a file over REWIND_TRAINING_SET_MAX_ROWS rows is one anyway. */
    async: z.boolean().optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.rows === undefined && body.dataUri === undefined) ctx.addIssue({ code: 'custom', path: ['rows'], message: 'give either rows or dataUri' });
    if (body.rows !== undefined && body.dataUri !== undefined) ctx.addIssue({ code: 'custom', path: ['dataUri'], message: 'give rows or dataUri, not both' });
  });
export type TrainingSetRequest = z.infer<typeof TrainingSetRequestSchema>;
/** A stored training set: its id is the sha256 of its Parquet file (any other id is simply not found: 404, as for a proposal). */
export const TrainingSetParamsSchema = z.object({ view: identifier, id: z.string().min(1).max(128) });
/** Whether `id` can name a training set at all (its file's sha256): anything else is answered 404 without a read. */
export const isTrainingSetId = (id: string): boolean => /^[0-9a-f]{64}$/.test(id);
/** An instant as the as-of routes and training sets take it. */
export const isIsoInstant = (value: string): boolean => instant.safeParse(value).success;
/** `GET /online/{view}/{entity}`: an `at` sends the request to the time-travel route (validated there). */
export const OnlineQuerySchema = z.object({ at: z.string().optional() });
/** Lineage: a source as deploys name it (any non-empty URI), a model as consumers name it. */
export const SourceLineageQuerySchema = z.object({ uri: z.string().min(1).max(2048) });
export const ModelParamsSchema = z.object({ model: z.string().min(1).max(256) });
/** POST /sources/revert: roll back every view served from a bad source (core/source-revert.ts). */
export const SourceRevertRequestSchema = z
  .object({
    uri: z.string().min(1).max(2048).optional(),
    checksum: z.string().min(1).max(256).optional(),
    reason: z.string('say why the source is being reverted').min(1, 'say why the source is being reverted').max(900),
    dryRun: z.boolean().default(false),
    /** Roll back views whose tier needs an approval without one (an admin's break-glass, recorded). */
    breakGlassReason: z.string().min(1).max(1000).optional(),
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.uri === undefined && body.checksum === undefined) ctx.addIssue({ code: 'custom', path: ['uri'], message: 'name the source: its uri, or its checksum' });
  });
export type SourceRevertRequest = z.infer<typeof SourceRevertRequestSchema>;

/** GET /incidents/{id}. */
// Any short name: path parameters are parsed before the caller is judged, and an unknown id is a 404, not a 400.
export const IncidentParamsSchema = z.object({ id: z.string().min(1).max(128) });

export const ReportFormatQuerySchema = z.object({ format: z.enum(['json', 'md']).default('json') });
/** The drift charts' window (core/drift-report.ts): ISO instants, default the last 3 hours. */
const driftInstant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 instant with a time zone, e.g. 2026-11-30T02:14:00Z' });
export const DriftQuerySchema = z.object({ since: driftInstant.optional(), until: driftInstant.optional() });
/** DELETE /views/{view}/versions/{version}/online: `?async=true` purges as a job (202) whatever the size, `?async=false` inside the request. */
export const PurgeQuerySchema = z.object({ async: z.enum(['true', 'false']).optional().transform((v) => (v === undefined ? undefined : v === 'true')) });
export const LimitQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
export const AuditQuerySchema = LimitQuerySchema.extend({
  view: identifier.optional(),
  /** Exact match on the entry's `actor`: a token's `sub`, or `system:alarm/<alarm name>`. */
  actor: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters').optional(),
});

export const PromoteRequestSchema = z.object({
  expectedRevision: revision.optional(),
  reason: z.string().max(1000).optional(),
});
export type PromoteRequest = z.infer<typeof PromoteRequestSchema>;

export const FeatureParamsSchema = z.object({ view: identifier, feature: identifier });

export const FeatureSwitchRequestSchema = z.object({
  reason: z.string().min(1, 'say why').max(1000),
  expectedRevision: revision.optional(),
  /** For a tier whose policy needs an approval for this switch: an admin's reason to go without one. */
  breakGlassReason: z.string().min(1).max(1000).optional(),
});
export type FeatureSwitchRequest = z.infer<typeof FeatureSwitchRequestSchema>;

export const ApprovalRequestSchema = z
  .object({
    action: z.enum(APPROVABLE_ACTIONS, { error: `must be one of ${APPROVABLE_ACTIONS.join(', ')}` }).default('activate'),
    version: versionNumber.optional(),
    feature: identifier.optional(),
    reason: z.string().max(1000).optional(),
    expiresInSeconds: z.number().int().min(60).max(7 * 24 * 3600).default(24 * 3600),
  })
  .superRefine((body, ctx) => {
    if (body.action === 'activate' && body.version === undefined)
      ctx.addIssue({ code: 'custom', path: ['version'], message: 'an activation is approved for one version: name it' });
    if (body.feature !== undefined && body.action !== 'disable' && body.action !== 'enable')
      ctx.addIssue({ code: 'custom', path: ['feature'], message: 'only a disable or enable approval names a feature' });
  });
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;

/** PUT /policy proposes the document; a second person approves it (or an admin's breakGlassReason puts it in force at once, recorded). */
export const PutPolicyRequestSchema = z.object({
  document: PolicyDocumentSchema,
  expectedRevision: revision.optional(),
  reason: z.string().max(1000).optional(),
  breakGlassReason: z.string().min(1, 'say why it cannot wait for a second person').max(1000).optional(),
});

export const PolicyProposalParamsSchema = z.object({ id: z.string().regex(/^[0-9A-Za-z-]{1,64}$/, 'must be a proposal id as PUT /policy returned it') });
export const ApprovePolicyProposalRequestSchema = z.object({ reason: z.string().max(1000).optional() });

/**
 * Parse `input` with `schema`, turning the first issue into a ValidationError whose field is
 * the dotted path below `root`.
 *
 * @example parse(ActivateRequestSchema, body, 'body') // throws "body.version: ..." when missing
 */
export function parse<S extends z.ZodType>(schema: S, input: unknown, root: string): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  // The same notation checkRows uses, so a client sees one form: body.definition.features[0].type
  const field = issue.path.reduce<string>((at, key) => (typeof key === 'number' ? `${at}[${key}]` : `${at}.${String(key)}`), root);
  const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
  const message = missing ? 'is required' : issue.message;
  throw new ValidationError(field, message);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** DynamoDB's limit of keys per BatchGetItem: a batch read is one call. */
export const MAX_BATCH_ENTITIES = 100;
export const OnlineBatchParamsSchema = z.object({ view: identifier });
export const OnlineBatchRequestSchema = z.object({
  entities: z
    .array(OnlineParamsSchema.shape.entity, 'must be an array of entity ids (strings)')
    .min(1, 'must name at least one entity')
    .max(MAX_BATCH_ENTITIES, `must name at most ${MAX_BATCH_ENTITIES} entities`)
    .superRefine((entities, ctx) => {
      // A duplicate would be answered twice from one read; refusing it keeps the answer aligned
      // with the request and the sample honest (one request per entity served).
      const first = new Map<string, number>();
      entities.forEach((entity, i) => {
        const earlier = first.get(entity);
        if (earlier === undefined) first.set(entity, i);
        else ctx.addIssue({ code: 'custom', path: [i], message: `duplicates entities[${earlier}] ('${entity}')` });
      });
    }),
});
export type OnlineBatchRequest = z.infer<typeof OnlineBatchRequestSchema>;
