/**
 * A deployed stack's outputs (`cdk deploy --outputs-file`) → the environment the suites and
 * the CLI need to reach it: the API URL, and the table and bucket names for direct checks.
 */
import { SNAPSHOT_BUCKET_ENV, TABLES } from '../contract/tables';

export type StackOutputs = Record<string, Record<string, string>>;

/**
 * @example environmentFromOutputs({ Rewind: { ApiUrl: 'https://…', VersionsTableName: 'Rewind-…', … } }, 'Rewind', 'cdk-outputs.json')
 */
export function environmentFromOutputs(outputs: StackOutputs, stack: string, file: string, deployCommand = 'npm run deploy -- --outputs-file cdk-outputs.json'): Record<string, string> {
  const values = outputs[stack];
  if (!values) throw new Error(`no outputs for stack ${stack} in ${file}: run ${deployCommand} first`);
  const need = (key: string) => {
    const value = values[key];
    if (!value) throw new Error(`stack output ${key} is missing from ${file}`);
    return value;
  };
  const env: Record<string, string> = {
    REWIND_API_URL: need('ApiUrl').replace(/\/$/, ''),
    [SNAPSHOT_BUCKET_ENV]: need('SnapshotBucketName'),
  };
  for (const spec of TABLES) env[spec.envVar] = need(`${spec.id[0]!.toUpperCase()}${spec.id.slice(1)}TableName`);
  return env;
}
