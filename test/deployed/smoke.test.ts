/**
 * A smoke test of a DEPLOYED stack (LocalStack via `npm run test:localstack`, or AWS), through
 * its API, with tokens from the stack's own issuer. It has its own jest config
 * (jest.deployed.config.js) and is never part of `npm test`, which needs no deployment.
 *
 *   REWIND_API_URL       the stack's ApiUrl output (infra/localstack.ts sets it from the outputs)
 *   REWIND_TEST_TOKENS   JSON { "viewer": "<jwt>", "deployer": "<jwt>" }: tokens issued by the
 *                        stack's rewind:jwtIssuer for the stack's audience, each with `sub` and
 *                        the named role in its `roles` claim.
 *
 * What it proves: API Gateway's JWT authorizer answers 401 without a token; with one, the
 * route reaches its function, which reads the policy and the tables (200) or refuses and
 * audits the refusal (403). It does not rerun the integration suites: those run the local
 * runtime against DynamoDB Local and s3rver, whatever AWS_ENDPOINT_URL says.
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set to run the deployed-stack smoke test (see the comment above)`);
  return value;
}
const API = required('REWIND_API_URL').replace(/\/$/, '');
const tokens = JSON.parse(required('REWIND_TEST_TOKENS')) as Record<'viewer' | 'deployer', string>;

const call = async (method: string, path: string, token?: string, body?: unknown) => {
  const res = await fetch(`${API}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
};

describe('the deployed stack (REWIND_API_URL)', () => {
  it('answers 401 without a token, before any function runs', async () => {
    expect((await call('GET', '/views')).status).toBe(401);
    expect((await call('GET', '/online/any/any')).status).toBe(401);
  });

  it('lets a viewer read the views and the policy in force', async () => {
    expect(await call('GET', '/views', tokens.viewer)).toMatchObject({ status: 200 });
    expect(await call('GET', '/policy', tokens.viewer)).toMatchObject({ status: 200 });
  });

  it('refuses a viewer a rollback (403) and audits the refusal', async () => {
    const view = `smoke_${Date.now()}`;
    expect((await call('POST', `/views/${view}/rollback`, tokens.viewer, { reason: 'smoke test' })).status).toBe(403);
    const audit = await call('GET', `/audit?view=${view}`, tokens.deployer);
    expect(audit.status).toBe(200);
    expect(JSON.stringify(audit.body)).toContain('denied');
  });
});
