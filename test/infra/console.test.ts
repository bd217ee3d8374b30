/**
 * The web console in the stack: a private bucket only CloudFront reads (origin access control),
 * the bundle and its config.json deployed into it, security headers, and the API answering CORS
 * for the console's origin only.
 */
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { RewindConsole } from '../../infra/constructs/console';
import { logicalId, referencedIds, render, resourcesOfType, synthesize, TEST_ISSUER, type Synthesized } from './synth';

let s: Synthesized;
beforeAll(() => {
  s = synthesize();
});

it('keeps the bundle in a private, encrypted, logged bucket that only the distribution reads, through origin access control', () => {
  const bucketId = logicalId(s.stack.console!.bucket);
  const bucket = s.json.Resources[bucketId]!;
  expect(bucket.Properties).toMatchObject({
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    LoggingConfiguration: { LogFilePrefix: 'console-bucket/' },
  });
  s.template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
  s.template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: { OriginAccessControlOriginType: 's3', SigningBehavior: 'always' } });
  // The bucket policy lets CloudFront read, for this distribution only.
  const policies = resourcesOfType(s.json, 'AWS::S3::BucketPolicy').filter(([, p]) => referencedIds(p.Properties?.Bucket).includes(bucketId));
  const statements = policies.flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as { Effect: string; Principal?: { Service?: string }; Action: unknown; Condition?: unknown }[]);
  const reads = statements.filter((st) => st.Effect === 'Allow' && st.Principal?.Service === 'cloudfront.amazonaws.com');
  expect(reads).toHaveLength(1);
  expect(reads[0]!.Action).toBe('s3:GetObject');
  expect(referencedIds(reads[0]!.Condition).filter((id) => !id.startsWith('AWS::'))).toEqual([logicalId(s.stack.console!.distribution)]);
  // Nothing else is allowed in (the rest deny plain HTTP, and CDK's auto-delete role empties it on destroy).
  expect(statements.filter((st) => st.Effect === 'Allow' && st.Principal?.Service !== 'cloudfront.amazonaws.com').every((st) => JSON.stringify(st).includes('CustomS3AutoDeleteObjects'))).toBe(true);
});

it('serves over HTTPS with a CSP that lets the page call only itself, the API and the issuer, and logs every request', () => {
  s.template.hasResourceProperties('AWS::CloudFront::Distribution', {
    DistributionConfig: Match.objectLike({
      DefaultRootObject: 'index.html',
      DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
      Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
    }),
  });
  const [[, policy]] = resourcesOfType(s.json, 'AWS::CloudFront::ResponseHeadersPolicy') as unknown as [[string, { Properties: Record<string, any> }]];
  const csp = render(policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
  expect(csp).toContain("script-src 'self';");
  expect(csp).toContain(`connect-src 'self' https://*.execute-api.<AWS::Region>.amazonaws.com ${new URL(TEST_ISSUER).origin};`);
  expect(csp).toContain("frame-ancestors 'none'");
});

it("answers CORS on the API for the console's origin only", () => {
  const [[, api]] = resourcesOfType(s.json, 'AWS::ApiGatewayV2::Api') as unknown as [[string, { Properties: Record<string, any> }]];
  const cors = api.Properties.CorsConfiguration;
  expect(cors.AllowOrigins).toHaveLength(1);
  expect(render(cors.AllowOrigins[0])).toBe(`https://<${logicalId(s.stack.console!.distribution)}.DomainName>`);
  expect(cors.AllowHeaders).toEqual(['authorization', 'content-type']);
});

it('deploys the built bundle with a config.json naming the API and the issuer it trusts, and outputs the console URL', () => {
  const [[, deployment]] = resourcesOfType(s.json, 'Custom::CDKBucketDeployment') as unknown as [[string, { Properties: Record<string, any> }]];
  expect(referencedIds(deployment.Properties.DestinationBucketName)).toEqual([logicalId(s.stack.console!.bucket)]);
  expect(deployment.Properties.SourceObjectKeys).toHaveLength(2);
  expect(deployment.Properties.DistributionPaths).toEqual(['/index.html', '/config.json']);
  const markers = JSON.stringify(deployment.Properties.SourceMarkers);
  // jsonData's config: the API's URL is resolved at deploy time through a marker.
  expect(markers).toContain(logicalId(s.stack.api.httpApi));
  expect(s.json.Outputs?.ConsoleUrl).toBeDefined();
  expect(render(s.json.Outputs!.ConsoleUrl!.Value)).toBe(`https://<${logicalId(s.stack.console!.distribution)}.DomainName>/`);
});

it('is left out with rewind:console=false (LocalStack community has no CloudFront): no distribution, no bucket deployment, no CORS', () => {
  const without = synthesize({ 'rewind:console': 'false' });
  expect(without.stack.console).toBeUndefined();
  without.template.resourceCountIs('AWS::CloudFront::Distribution', 0);
  without.template.resourceCountIs('Custom::CDKBucketDeployment', 0);
  const [[, api]] = resourcesOfType(without.json, 'AWS::ApiGatewayV2::Api') as unknown as [[string, { Properties: Record<string, any> }]];
  expect(api.Properties.CorsConfiguration).toBeUndefined();
  expect(without.json.Outputs?.ConsoleUrl).toBeUndefined();
});

it('fails synthesis with the command to run when the bundle is missing', () => {
  expect(() => new RewindConsole(new Stack(), 'Console', { distDir: '/nonexistent', removalPolicy: RemovalPolicy.DESTROY, accessLogRetentionDays: 1, logRetention: RetentionDays.ONE_DAY, issuer: TEST_ISSUER })).toThrow(
    /the web console is not built \(\/nonexistent\/index.html is missing\): run `npm run build:ui`/,
  );
});
