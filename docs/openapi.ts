/**
 * Generates docs/openapi.json from the route list (contract/routes.ts) and the zod request
 * schemas (core/requests.ts), so the published contract is the one the handlers enforce.
 * `npm run openapi` rewrites it; a unit test fails when the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import { ROUTES, type RouteSpec } from '../contract/routes';
import * as contracts from '../core/requests';

/** The request body and query schema of each route that takes one. */
export const REQUESTS: Record<string, { body?: z.ZodType; query?: z.ZodType }> = {
  'deploy-version': { body: contracts.DeployRequestSchema },
  'plan-version': { body: contracts.DeployRequestSchema },
  activate: { body: contracts.ActivateRequestSchema },
  rollback: { body: contracts.RollbackRequestSchema },
  promote: { body: contracts.PromoteRequestSchema },
  'disable-feature': { body: contracts.FeatureSwitchRequestSchema },
  'enable-feature': { body: contracts.FeatureSwitchRequestSchema },
  'create-approval': { body: contracts.ApprovalRequestSchema },
  'list-approvals': { query: contracts.LimitQuerySchema },
  'put-policy': { body: contracts.PutPolicyRequestSchema },
  'list-policy-proposals': { query: contracts.LimitQuerySchema },
  'approve-policy-proposal': { body: contracts.ApprovePolicyProposalRequestSchema },
  'create-upload': { body: contracts.UploadRequestSchema },
  'get-history': { query: contracts.LimitQuerySchema },
  'list-audit': { query: contracts.AuditQuerySchema },
  'get-drift': { query: contracts.DriftQuerySchema },
  'get-online-batch': { body: contracts.OnlineBatchRequestSchema },
  'purge-version': { query: contracts.PurgeQuerySchema },
};

const ERRORS = {
  '400': 'Bad input; `error.field` names the offending field. Nothing was written.',
  '401': 'No bearer token, or an invalid one.',
  '403': 'The caller’s roles do not allow this on the view’s tier (Forbidden), the tier needs a token with MFA (MfaRequired), or a second person’s approval (ApprovalRequired); every refusal is audited.',
  '404': 'Unknown view, version or policy proposal.',
  '409': 'Stale expectedRevision, rejected version, no rollback target, or a policy proposal applied already or made on a revision no longer in force. Nothing was written.',
  '503': 'The store is throttling; retry after the Retry-After header.',
};

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

function operation(route: RouteSpec) {
  const request = REQUESTS[route.handler] ?? {};
  const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  const queryShape = request.query ? ((jsonSchema(request.query) as { properties?: Record<string, unknown> }).properties ?? {}) : {};
  const queryParams = Object.entries(queryShape).map(([name, schema]) => ({ name, in: 'query', required: false, schema }));
  return {
    operationId: route.handler,
    summary: route.summary,
    description: `Requires a role allowed to \`${route.action}\`.`,
    security: [{ bearer: [] }],
    parameters: [...pathParams, ...queryParams],
    ...(request.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(request.body) } } } } : {}),
    responses: {
      [['deploy-version', 'create-upload', 'create-approval', 'create-audit-checkpoint'].includes(route.handler) ? '201' : route.handler === 'put-policy' ? '202' : '200']: {
        description: route.handler === 'put-policy' ? 'Proposed: the proposal, and what it would change; nothing is in force until a second person approves it' : 'Success',
        content: { 'application/json': { schema: { type: 'object' } } },
      },
      ...(route.handler === 'put-policy'
        ? { '200': { description: 'With breakGlassReason (an admin with MFA): in force at once as the next revision, recorded as break-glass', content: { 'application/json': { schema: { type: 'object' } } } } }
        : {}),
      ...Object.fromEntries(Object.entries(ERRORS).map(([status, description]) => [status, { $ref: `#/components/responses/E${status}`, description }])),
    },
  };
}

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) (paths[route.path] ??= {})[route.method.toLowerCase()] = operation(route);
  const errorSchema = {
    type: 'object',
    properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } }, required: ['code', 'message'] } },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Rewind', version: '0.1.0', description: 'Versioned feature views with atomic activation and O(1) rollback.' },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'npm start' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      responses: Object.fromEntries(
        Object.entries(ERRORS).map(([status, description]) => [`E${status}`, { description, content: { 'application/json': { schema: errorSchema } } }]),
      ),
    },
    paths,
  };
}

export const OPENAPI_PATH = join(__dirname, 'openapi.json');

if (require.main === module) {
  writeFileSync(OPENAPI_PATH, JSON.stringify(openApiDocument(), null, 2) + '\n');
  console.log(`wrote ${OPENAPI_PATH}`);
}
