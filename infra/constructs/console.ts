/**
 * The web console in AWS: its bundle (web/dist, built by `npm run build:ui`) in a private,
 * encrypted bucket that only CloudFront reads (origin access control), served over HTTPS with
 * security headers (the CSP lets the page call only the API and the OIDC issuer), and a
 * `config.json` beside it naming the API and the issuer the API trusts (authorization code +
 * PKCE; web/src/auth.ts). The API answers CORS for this distribution's origin only (RewindApi
 * `corsOrigins`). Nothing of the bundle is fetched at run time from anywhere else.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Distribution, HeadersFrameOption, HeadersReferrerPolicy, PriceClass, ResponseHeadersPolicy, ViewerProtocolPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Where `npm run build:ui` writes the bundle. */
export const CONSOLE_DIST = join(__dirname, '..', '..', 'web', 'dist');

export interface RewindConsoleProps {
  /** The built bundle (default web/dist). Synthesis fails, saying how to build it, when it is missing. */
  distDir?: string;
  /** Of the log bucket (the bundle bucket is always emptied and removed: the bundle is rebuilt from git). */
  removalPolicy: RemovalPolicy;
  accessLogRetentionDays: number;
  /** Of the deploy-time handler's log group, like every function's. */
  logRetention: RetentionDays;
  /** The OIDC issuer the API trusts: the one other origin the page may call (discovery and token exchange). */
  issuer: string;
}

export interface ConsoleSignIn {
  apiUrl: string;
  /** The console's OIDC client (public, PKCE); its redirect URI is {@link RewindConsole.url}. */
  clientId: string;
  scopes: string;
}

export class RewindConsole extends Construct {
  public readonly bucket: Bucket;
  public readonly logBucket: Bucket;
  public readonly distribution: Distribution;
  /** `https://<distribution domain>`: the console's origin, the only one the API answers CORS for. */
  public readonly origin: string;
  /** The console's URL, also its OIDC redirect URI. */
  public readonly url: string;
  private readonly distDir: string;
  private readonly issuer: string;
  private readonly logRetention: RetentionDays;

  constructor(scope: Construct, id: string, props: RewindConsoleProps) {
    super(scope, id);
    this.distDir = props.distDir ?? CONSOLE_DIST;
    this.issuer = props.issuer;
    this.logRetention = props.logRetention;
    if (!existsSync(join(this.distDir, 'index.html')))
      throw new Error(`the web console is not built (${this.distDir}/index.html is missing): run \`npm run build:ui\` before synthesizing (npm run synth, npm run deploy and npm test build it when missing)`);
    const autoDeleteObjects = props.removalPolicy === RemovalPolicy.DESTROY;

    this.logBucket = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // CloudFront's standard logs are delivered with an ACL.
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.accessLogRetentionDays) }],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects,
    });
    this.bucket = new Bucket(this, 'Bundle', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: 'console-bucket/',
      // The bundle is rebuilt from git on every deploy: nothing in it needs keeping.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    const region = Stack.of(this).region;
    const issuerOrigin = new URL(props.issuer).origin;
    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Rewind console: the page may call only the API (and the OIDC issuer, for sign-in)',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // The API by its service domain, not its URL: the API's CORS names this distribution, so naming the API here would be a cycle.
          contentSecurityPolicy: `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' https://*.execute-api.${region}.amazonaws.com ${issuerOrigin}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'`,
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Rewind web console',
      defaultRootObject: 'index.html',
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
      },
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/`;

    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'The console is for the teams that operate Rewind, wherever they are on call; who may sign in is decided by the OIDC issuer, and every API call by its JWT.' },
      { id: 'AwsSolutions-CFR2', reason: 'The distribution serves a static bundle only; no data passes through it. The API it calls is authenticated (JWT) and throttled at its stage.' },
      { id: 'AwsSolutions-CFR4', reason: "Served on the distribution's own *.cloudfront.net certificate, for which CloudFront does not let the minimum TLS version be raised; put a custom domain with a TLSv1.2_2021 policy in front to change it." },
    );
  }

  /**
   * Uploads the bundle and its config.json, and invalidates the distribution so the new bundle
   * is served at once. Called once the API exists (its URL goes in config.json).
   */
  publish(signIn: ConsoleSignIn): BucketDeployment {
    const deployment = new BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [
        Source.asset(this.distDir),
        Source.jsonData('config.json', { mode: 'oidc', apiUrl: signIn.apiUrl, oidc: { issuer: this.issuer, clientId: signIn.clientId, scopes: signIn.scopes } }),
      ],
      distribution: this.distribution,
      distributionPaths: ['/index.html', '/config.json'],
      prune: true,
      memoryLimit: 256,
      logGroup: new LogGroup(this, 'DeployLogs', { retention: this.logRetention, removalPolicy: RemovalPolicy.DESTROY }),
    });
    // The deployment's handler is a singleton of the stack, outside this construct: acknowledged on its role, where cdk-nag finds it.
    const reasons: [string, string][] = [
      ['AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', "CDK's bucket-deployment handler logs through the AWS managed AWSLambdaBasicExecutionRole; it runs only while a deploy copies the bundle."],
      ...['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'].map(
        (action): [string, string] => [`AwsSolutions-IAM5[Action::${action}]`, "CDK's bucket-deployment handler reads the bundle's asset and replaces the console bucket's objects (prune): the object-level actions CDK's grantRead/grantReadWrite name."],
      ),
      ['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]', "The bundle's asset is an object of the CDK bootstrap bucket, named by a content hash only known at deploy."],
      ['AwsSolutions-IAM5[Resource::<ConsoleBundle348E6F21.Arn>/*]', 'Every object of the console bucket: the deployment replaces the whole bundle.'],
      ['AwsSolutions-IAM5[Resource::*]', 'cloudfront:CreateInvalidation (and GetInvalidation) accept no narrower resource in the policy CDK writes for the distribution invalidation.'],
    ];
    for (const [id, reason] of reasons) Validations.of(deployment.handlerRole).acknowledge({ id, reason });
    const handler = Stack.of(this).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handler) Validations.of(handler).acknowledge({ id: 'AwsSolutions-L1', reason: "The bucket-deployment handler's runtime is chosen by aws-cdk-lib and moves with it." });
    return deployment;
  }
}
