/**
 * Request contracts, validated once at the edge. Each schema is also the TypeScript type of
 * what it accepts, and a failure becomes a ValidationError naming the offending field.
 */
import { z } from 'zod';
import { ValidationError } from './errors';
import { FEATURE_TYPES, TIERS } from './model';
import { ValidationPolicySchema } from './validation/policy';

/** View and feature names become DynamoDB keys and S3 key segments: keep them plain. */
const identifier = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]{0,127}$/, 'must start with a letter and contain only letters, digits, _ . -');

const featureValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const FeatureSpecSchema = z.object({
  name: identifier,
  type: z.enum(FEATURE_TYPES, { error: `must be one of ${FEATURE_TYPES.join(', ')}` }),
  default: featureValue.optional(),
  description: z.string().max(1000).optional(),
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
    transformation: z.object({ kind: z.string().min(1), ref: z.string().min(1), code: z.string().optional() }).optional(),
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
    for (const name of Object.keys(body.validation?.features ?? {}))
      if (!declared.has(name)) ctx.addIssue({ code: 'custom', path: ['validation', 'features', name], message: `'${name}' is not a feature of this view` });
  });
export type DeployRequest = z.infer<typeof DeployRequestSchema>;

const revision = z.number().int().min(0);
const versionNumber = z.number().int().min(1);

export const ActivateRequestSchema = z.object({
  version: versionNumber,
  expectedRevision: revision.optional(),
  reason: z.string().max(1000).optional(),
});
export type ActivateRequest = z.infer<typeof ActivateRequestSchema>;

export const RollbackRequestSchema = z.object({
  toVersion: versionNumber.optional(),
  reason: z.string().min(1, 'say why you are rolling back').max(1000),
  expectedRevision: revision.optional(),
});
export type RollbackRequest = z.infer<typeof RollbackRequestSchema>;

export const UploadRequestSchema = z.object({
  fileName: z.string().regex(/^[^/\\]+\.(parquet|jsonl|ndjson|csv)$/i, 'must be a .parquet, .jsonl, .ndjson or .csv file name'),
});

export const ViewParamsSchema = z.object({ view: identifier });
export const VersionParamsSchema = z.object({ view: identifier, version: z.coerce.number().int().min(1) });
export const OnlineParamsSchema = z.object({ view: identifier, entity: z.string().min(1).max(1024) });
export const LimitQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
export const AuditQuerySchema = LimitQuerySchema.extend({ view: identifier.optional() });

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
