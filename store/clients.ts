/**
 * Every AWS SDK client Rewind's code uses, created here and nowhere else: once per container,
 * on first use, captured by the tracer (store/tracer.ts), and shared by every adapter built
 * from it. Endpoints come from the standard AWS settings (AWS_ENDPOINT_URL,
 * AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3, …), so the same code talks to AWS,
 * LocalStack or the local emulators without a branch.
 *
 * Getters, not module-level constants: a `new XClient()` at module scope is a side effect
 * that esbuild cannot tree-shake, so every function would carry every client (the serving
 * bundle must not carry S3, test/infra/bundles.test.ts). A getter nobody calls is dropped.
 *
 * @example const db = documentClient(); await db.send(new GetCommand({ … }));
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatch } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../contract/config';
import { traced } from './tracer';

/** A new document client over a new traced DynamoDB client (scripts and tests that need their own; functions use {@link documentClient}). */
export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(traced(new DynamoDBClient({})), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

/** The document client of the online table's own endpoint, one per endpoint (REWIND_ONLINE_DYNAMODB_ENDPOINT, local runtime only). */
const onlineClients = new Map<string, DynamoDBDocumentClient>();

/**
 * The client the online table is reached through: the container's {@link documentClient}, or
 * `fallback`, unless the online table has an endpoint of its own (the local runtime keeps it in
 * a second, in-memory DynamoDB Local).
 */
export function onlineDocumentClient(endpoint: string | undefined, fallback: () => DynamoDBDocumentClient = documentClient): DynamoDBDocumentClient {
  if (endpoint === undefined) return fallback();
  let client = onlineClients.get(endpoint);
  if (!client) {
    client = DynamoDBDocumentClient.from(traced(new DynamoDBClient({ endpoint })), { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
    onlineClients.set(endpoint, client);
  }
  return client;
}

/** A new traced S3 client (functions use {@link s3Client}). */
export function createS3Client(options: { forcePathStyle: boolean }): S3Client {
  return traced(
    new S3Client({
      forcePathStyle: options.forcePathStyle,
      // Checksums only where S3 requires them: the emulators do not implement the newer
      // flexible-checksum headers, and snapshots carry their own sha256 anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    }),
  );
}

// Each getter is a plain function over its own variable, not a call to a shared "once" helper
// at module scope: esbuild keeps every top-level call (it may have effects), and with it the
// client package, in every bundle that imports this file.
let dynamoDb: DynamoDBClient | undefined;
let docClient: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let cloudWatch: CloudWatch | undefined;
let cloudFormation: CloudFormationClient | undefined;
let eventBridge: EventBridgeClient | undefined;
let kms: KMSClient | undefined;
let sfn: SFNClient | undefined;
let sns: SNSClient | undefined;
let secretsManager: SecretsManagerClient | undefined;

/** The container's DynamoDB client (the idempotency persistence layer takes a bare client). */
export function dynamoDbClient(): DynamoDBClient {
  return (dynamoDb ??= traced(new DynamoDBClient({})));
}

/** The container's document client, over {@link dynamoDbClient}. */
export function documentClient(): DynamoDBDocumentClient {
  return (docClient ??= DynamoDBDocumentClient.from(dynamoDbClient(), { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } }));
}

/** The container's S3 client (path-style addressing from REWIND_S3_FORCE_PATH_STYLE). */
export function s3Client(): S3Client {
  return (s3 ??= createS3Client({ forcePathStyle: config.s3ForcePathStyle() }));
}

/**
 * The container's CloudWatch client: the aggregated one, whose `describeAlarms` and
 * `describeAlarmHistory` the bake check's adapter calls by name, and whose `send` the alarm
 * sync's adapter uses (store/cloudwatch-alarm-status.ts, store/cloudwatch-alarms.ts).
 */
export function cloudWatchClient(): CloudWatch {
  return (cloudWatch ??= traced(new CloudWatch({})));
}

export function cloudFormationClient(): CloudFormationClient {
  return (cloudFormation ??= traced(new CloudFormationClient({})));
}

export function eventBridgeClient(): EventBridgeClient {
  return (eventBridge ??= traced(new EventBridgeClient({})));
}

/** The container's KMS client: signs audit checkpoints and reads their public keys (store/kms-checkpoint-signer.ts). */
export function kmsClient(): KMSClient {
  return (kms ??= traced(new KMSClient({})));
}

/** The container's Step Functions client: starts deploy-job executions (store/sfn-job-launcher.ts). */
export function sfnClient(): SFNClient {
  return (sfn ??= traced(new SFNClient({})));
}

/** The container's SNS client: escalations to the ops topic (store/sns-notifier.ts); the SDK's standard retries (3 attempts). */
export function snsClient(): SNSClient {
  return (sns ??= traced(new SNSClient({})));
}

/** The container's Secrets Manager client, handed to Powertools' SecretsProvider (the scheduled drill's client secret). */
export function secretsManagerClient(): SecretsManagerClient {
  return (secretsManager ??= traced(new SecretsManagerClient({})));
}
