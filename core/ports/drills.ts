/** Port: where drill reports are kept (store/dynamo-drills.ts). */
import type { DrillReport } from '../drills/report';

export interface DrillStore {
  /** Stores a report once; a second report with the same id is refused (returns false). */
  put(report: DrillReport): Promise<boolean>;
  /** Newest first. */
  list(limit: number): Promise<DrillReport[]>;
  get(id: string): Promise<DrillReport | undefined>;
}
