/**
 * Starts DynamoDB Local and s3rver once for the whole integration run (DynamoDB Local takes
 * seconds to start; once per file would dominate the run) and hands their endpoints to the
 * test workers through the environment. Each suite then uses its own tables and bucket.
 *
 * With AWS_ENDPOINT_URL set (LocalStack), nothing is started: the same suites create their
 * tables and buckets there, through the same SDK clients. With REWIND_API_URL set, the suites
 * run against that deployed stack instead (test/support/rewind.ts) and nothing is started.
 */
import { startDynamoDbLocal, startS3rver, type RunningEmulator } from '../../local/emulators';

declare global {
  var __REWIND_EMULATORS__: RunningEmulator[] | undefined;
}

export default async function globalSetup(): Promise<void> {
  // Node 20 is what these machines run; the SDK's notice about Node 22 is known and harmless.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // Suites provoke errors on purpose; their logs would bury the report.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  if (process.env.REWIND_API_URL) {
    // A deployed stack (test/support/rewind.ts, deployed mode): the suites reach it over HTTP
    // and its tables through the endpoints in the environment; there is nothing to start.
    console.log(`integration suites: against the deployed API ${process.env.REWIND_API_URL}`);
    return;
  }
  const external = process.env.AWS_ENDPOINT_URL;
  if (external) {
    console.log(`integration suites: using the AWS endpoint ${external} (no local emulators)`);
    process.env.REWIND_TEST_DYNAMODB_ENDPOINT = external;
    process.env.REWIND_TEST_S3_ENDPOINT = external;
    return;
  }
  const [dynamo, s3] = await Promise.all([startDynamoDbLocal(), startS3rver({ buckets: [] })]);
  globalThis.__REWIND_EMULATORS__ = [dynamo, s3];
  process.env.REWIND_TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  process.env.REWIND_TEST_S3_ENDPOINT = s3.endpoint;
}
