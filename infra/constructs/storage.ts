import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectLockRetention,
  ObjectOwnership,
  TargetObjectKeyFormat,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TABLES, type KeyAttribute, type TableSpec } from '../../contract/tables';
import { UPLOADS_PREFIX, type TableId } from '../access';

export interface RewindStorageProps {
  /**
   * Production posture: deletion protection and RETAIN on every table, RETAIN and Object
   * Lock on the snapshot bucket. `false` is for disposable dev stacks: everything is
   * destroyed with the stack (the buckets are emptied first).
   * @default true
   */
  deletionProtection?: boolean;
  /** Days each snapshot object version is locked against deletion (governance mode). @default 90 */
  snapshotRetentionDays?: number;
  /** Days the snapshot bucket's server access logs are kept. @default 365 */
  accessLogRetentionDays?: number;
}

/**
 * Rewind's state: the DynamoDB tables, built from contract/tables.ts (the same list the
 * local runtime creates its tables from), and the snapshot bucket.
 *
 * Tables are on-demand (nothing to pay at rest but storage), with point-in-time recovery,
 * and a stream where the contract asks for one (the history table: the event outbox).
 * The bucket keeps every version of every object, is encrypted, private, TLS-only, and
 * locks snapshot versions for a retention period so a snapshot a rollback may need cannot be
 * deleted early, even by a role that may write the bucket.
 */
export class RewindStorage extends Construct {
  public readonly tables: Record<TableId, Table>;
  public readonly snapshotBucket: Bucket;
  /** Where S3 server access logs of the snapshot bucket go: who read which feature data. */
  public readonly accessLogBucket: Bucket;

  constructor(scope: Construct, id: string, props: RewindStorageProps = {}) {
    super(scope, id);
    const protect = props.deletionProtection ?? true;
    const removalPolicy = protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.tables = Object.fromEntries(TABLES.map((spec) => [spec.id, this.table(spec, protect, removalPolicy)])) as Record<TableId, Table>;

    this.accessLogBucket = new Bucket(this, 'AccessLogs', {
      // S3 server access logging can only deliver to SSE-S3 buckets.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: false,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(props.accessLogRetentionDays ?? 365) }],
      removalPolicy,
      autoDeleteObjects: !protect,
    });

    const retentionDays = props.snapshotRetentionDays ?? 90;
    this.snapshotBucket = new Bucket(this, 'Snapshots', {
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'snapshots-bucket/',
      targetObjectKeyFormat: TargetObjectKeyFormat.simplePrefix(),
      // Object Lock cannot be combined with emptying the bucket on destroy, so dev stacks
      // (deletionProtection: false) keep only the lifecycle retention below.
      ...(protect
        ? { objectLockEnabled: true, objectLockDefaultRetention: ObjectLockRetention.governance(Duration.days(retentionDays)) }
        : {}),
      lifecycleRules: [
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        {
          // Data files uploaded through POST /uploads are read once by a deploy, which writes
          // them again as a snapshot: they need not outlive a week.
          id: 'expire-uploads',
          prefix: UPLOADS_PREFIX,
          expiration: Duration.days(7),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          // A deleted or overwritten snapshot stays recoverable as a noncurrent version for
          // the retention period.
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration: Duration.days(retentionDays),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy,
      autoDeleteObjects: !protect,
    });
  }

  /** A table exactly as contract/tables.ts describes it (local/bootstrap.ts reads the same). */
  private table(spec: TableSpec, protect: boolean, removalPolicy: RemovalPolicy): Table {
    const table = new Table(this, pascal(spec.id), {
      partitionKey: attribute(spec.partitionKey),
      ...(spec.sortKey ? { sortKey: attribute(spec.sortKey) } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: protect,
      // Encrypted at rest with an AWS owned key: free, and no key policy to get wrong.
      encryption: TableEncryption.DEFAULT,
      ...(spec.stream ? { stream: STREAM_VIEW[spec.stream] } : {}),
      ...(spec.ttlAttribute ? { timeToLiveAttribute: spec.ttlAttribute } : {}),
      removalPolicy,
    });
    for (const index of spec.globalIndexes ?? []) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
        projectionType: ProjectionType.ALL,
      });
    }
    return table;
  }
}

const STREAM_VIEW: Record<NonNullable<TableSpec['stream']>, StreamViewType> = { NEW_IMAGE: StreamViewType.NEW_IMAGE };

function attribute(key: KeyAttribute): { name: string; type: AttributeType } {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}

export function pascal(id: string): string {
  return id
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}
