import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface AuditCheckpointKeyProps {
  /** RETAIN (production) or DESTROY (dev stacks): a deleted key can verify no checkpoint it signed. */
  removalPolicy: RemovalPolicy;
}

/**
 * The asymmetric KMS key that signs audit checkpoints (ECC_NIST_P256, ECDSA_SHA_256), as
 * CloudTrail signs its digest files: the private half never leaves KMS, and only the checkpoint
 * functions may call Sign (infra/access.ts). Its key policy is the account default (IAM decides,
 * as for every other resource of the stack). KMS rotates no asymmetric key: rotation is a new
 * key, the old one kept for verifying (docs/audit.md).
 */
export class AuditCheckpointKey extends Construct {
  public readonly key: Key;

  constructor(scope: Construct, id: string, props: AuditCheckpointKeyProps) {
    super(scope, id);
    this.key = new Key(this, 'Key', {
      description: 'Rewind: signs the audit checkpoints (docs/audit.md)',
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      removalPolicy: props.removalPolicy,
      // Only when the stack is destroyed: a deleted key can verify nothing it signed.
      pendingWindow: Duration.days(30),
    });
  }
}
