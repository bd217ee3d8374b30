/** One DynamoDB document client per container, shared by every adapter built from it. */
import { createDocumentClient } from '../../store/clients';

let db: ReturnType<typeof createDocumentClient> | undefined;

export function documentClient(): ReturnType<typeof createDocumentClient> {
  db ??= createDocumentClient();
  return db;
}
