/**
 * Background work a committed change sets going: every rollback is followed, a moment later,
 * by its runbook (functions/after-rollback.ts, from the outbox), which appends to the view's
 * audit chain, records a follow-up and completes its idempotency record. A suite comparing two
 * dumps to prove a refused request wrote nothing must not blame those writes on it, so a dump
 * is taken only once they are done: every rollback in the history has its follow-up, and no
 * idempotency record is still in progress.
 */

type Items = Iterable<unknown>;

/** What is still to come, as one line per piece (empty when settled). Items are DynamoDB JSON. */
export function backgroundWorkPending(tables: Record<string, Items | undefined>): string[] {
  const parse = (item: unknown) => JSON.parse(String(item)) as Record<string, { S?: string; N?: string } | undefined>;
  const followed = new Set([...(tables.followups ?? [])].map(parse).map((f) => `${f.view?.S}#${f.revision?.N}`));
  const pending: string[] = [];
  for (const entry of [...(tables.history ?? [])].map(parse)) {
    const key = `${entry.view?.S}#${entry.revision?.N}`;
    if (entry.action?.S === 'rollback' && !followed.has(key)) pending.push(`the runbook after rollback ${key}`);
  }
  for (const record of [...(tables.idempotency ?? [])].map(parse)) if (record.status?.S === 'INPROGRESS') pending.push(`idempotency record ${record.id?.S} in progress`);
  return pending;
}

/** `take()` again until nothing is pending, within `timeoutMs` (then it fails, naming what never finished). */
export async function settledDump<T extends { tables: Record<string, Items | undefined> }>(take: () => Promise<T>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dump = await take();
    const pending = backgroundWorkPending(dump.tables);
    if (pending.length === 0) return dump;
    if (Date.now() > deadline) throw new Error(`background work never finished within ${timeoutMs} ms: ${pending.slice(0, 5).join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100)); // poll interval, not a wait for an outcome
  }
}

/** The tables in the order a settled dump scans them: the follow-ups before everything else. */
export function followUpsFirst<T extends { id: string }>(tables: readonly T[]): T[] {
  return [...tables.filter((t) => t.id === 'followups'), ...tables.filter((t) => t.id !== 'followups')];
}
