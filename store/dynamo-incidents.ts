/** The IncidentLog port over the incidents table: one item per incident, keyed by its id. */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Incident, IncidentLog } from '../core/ports/incidents';

export class DynamoIncidentLog implements IncidentLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(incident: Incident): Promise<void> {
    // Blast radii are plain JSON; undefined fields are dropped rather than refused.
    await this.db.send(new PutCommand({ TableName: this.table, Item: JSON.parse(JSON.stringify(incident)) as Record<string, unknown> }));
  }

  async get(id: string): Promise<Incident | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }));
    return out.Item as Incident | undefined;
  }
}
