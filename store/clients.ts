/**
 * SDK clients. Endpoints come from the standard AWS settings (AWS_ENDPOINT_URL,
 * AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_S3), so the same code talks to AWS, LocalStack
 * or the local emulators without a branch.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';

export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({}), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function createS3Client(options: { forcePathStyle: boolean }): S3Client {
  return new S3Client({
    forcePathStyle: options.forcePathStyle,
    // Checksums only where S3 requires them: the emulators do not implement the newer
    // flexible-checksum headers, and snapshots carry their own sha256 anyway.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
