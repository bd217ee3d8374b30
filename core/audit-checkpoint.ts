/**
 * Signed checkpoints of the audit chains, the way CloudTrail's digest files anchor its logs.
 * A checkpoint records every chain's end (chain, lastSeq, lastHash) and the previous
 * checkpoint's hash, and is signed by a key the audit table's writers do not hold. Whoever can
 * rewrite the audit table can then still rewrite entries and heads together, or delete a chain
 * with its head, but not without the chain disagreeing with a checkpoint stored before.
 *
 * What cannot be seen: changes to entries appended since the newest checkpoint (the head
 * still guards their truncation), and a checkpoint store whose objects can be deleted (Object
 * Lock prevents that in AWS).
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import { GENESIS_HASH, type ChainProblem } from './audit-chain';
import type { Clock } from './ports';
import type { AuditChain, AuditLog } from './ports/audit-log';
import type { AuditCheckpoint, CheckpointBody, CheckpointHead, CheckpointKeys, CheckpointLog, CheckpointSigner, HistoryCitation } from './ports/audit-checkpoints';

/** The chain name problems about the checkpoints themselves are reported under. */
export const CHECKPOINT_CHAIN = 'checkpoints';

/** The bytes a checkpoint's signature covers: the canonical JSON of everything but the signature. */
export function signingPayload(body: CheckpointBody): Uint8Array {
  return Buffer.from(canonicalJson(body), 'utf8');
}

/** sha256 of the whole signed checkpoint: what the next checkpoint names as `prevHash`. */
export function checkpointHash(checkpoint: AuditCheckpoint): string {
  return createHash('sha256').update(canonicalJson(checkpoint)).digest('hex');
}

/** Every chain's end: its newest stored entry, or (every entry gone) what its head names. */
export function chainHeads(chains: readonly AuditChain[]): CheckpointHead[] {
  const heads: CheckpointHead[] = [];
  for (const chain of chains) {
    const last = chain.entries.at(-1);
    const end = last ? { lastSeq: last.seq, lastHash: last.hash } : chain.head ? { lastSeq: chain.head.seq, lastHash: chain.head.hash } : undefined;
    if (end) heads.push({ chain: chain.chain, ...end });
  }
  return heads.sort((a, b) => a.chain.localeCompare(b.chain));
}

/** Signs the checkpoint that follows `previous`, over `heads`. */
export async function signCheckpoint(signer: CheckpointSigner, previous: AuditCheckpoint | undefined, heads: CheckpointHead[], at: string): Promise<AuditCheckpoint> {
  const body: CheckpointBody = {
    format: 'rewind-audit-checkpoint/1',
    seq: previous ? previous.seq + 1 : 1,
    at,
    prevHash: previous ? checkpointHash(previous) : GENESIS_HASH,
    heads,
    keyId: await signer.keyId(),
    algorithm: 'ECDSA_SHA_256',
  };
  const signature = await signer.sign(signingPayload(body));
  return { ...body, signature: Buffer.from(signature).toString('base64') };
}

/** Whether `checkpoint`'s signature verifies with `publicKey` (SubjectPublicKeyInfo, DER). */
export function signatureVerifies(checkpoint: AuditCheckpoint, publicKey: Uint8Array): boolean {
  const { signature, ...body } = checkpoint;
  try {
    const key = createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
    return verify('sha256', signingPayload(body), { key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    return false; // a malformed key or signature verifies nothing
  }
}

/**
 * Take a checkpoint now: every chain's end, signed, stored after the newest checkpoint.
 *
 * @example const checkpoint = await takeCheckpoint({ audit, clock }, { checkpoints, signer }); // { seq: 8, heads: [...], keyId, … }
 */
export async function takeCheckpoint(
  deps: { audit: Pick<AuditLog, 'auditChains'>; clock: Clock },
  anchor: { checkpoints: CheckpointLog; signer: CheckpointSigner },
): Promise<AuditCheckpoint> {
  // The previous checkpoint first, then the chains: chains only grow, so what is read after it
  // extends what it recorded.
  const previous = await anchor.checkpoints.latest();
  const chains: AuditChain[] = [];
  for await (const chain of deps.audit.auditChains()) chains.push(chain);
  const checkpoint = await signCheckpoint(anchor.signer, previous, chainHeads(chains), deps.clock.now().toISOString());
  await anchor.checkpoints.put(checkpoint);
  return checkpoint;
}

/**
 * The checkpoints' own chain: seq 1, 2, 3, … each citing the hash of the one before, each
 * signed by a trusted key. Returns the problems and the checkpoints whose signature verifies
 * (only those may speak for the audit chains).
 */
export async function checkCheckpoints(checkpoints: readonly AuditCheckpoint[], keys: CheckpointKeys): Promise<{ problems: ChainProblem[]; trusted: AuditCheckpoint[] }> {
  const problems: ChainProblem[] = [];
  const trusted: AuditCheckpoint[] = [];
  const publicKeys = new Map<string, Promise<Uint8Array | undefined>>();
  let previous: AuditCheckpoint | undefined;
  for (const checkpoint of checkpoints) {
    const id = `${CHECKPOINT_CHAIN}/${checkpoint.seq}`;
    const expectedSeq = previous ? previous.seq + 1 : 1;
    if (checkpoint.seq !== expectedSeq)
      problems.push({ chain: CHECKPOINT_CHAIN, reason: 'checkpoint-missing', id, detail: `expected checkpoint ${expectedSeq}, found ${checkpoint.seq}: a checkpoint was deleted` });
    else if (checkpoint.prevHash !== (previous ? checkpointHash(previous) : GENESIS_HASH))
      problems.push({ chain: CHECKPOINT_CHAIN, reason: 'checkpoint-unlinked', id, detail: `checkpoint ${checkpoint.seq} does not cite the hash of checkpoint ${checkpoint.seq - 1}: one of them was replaced` });
    if (!publicKeys.has(checkpoint.keyId)) publicKeys.set(checkpoint.keyId, keys.publicKey(checkpoint.keyId));
    const publicKey = await publicKeys.get(checkpoint.keyId)!;
    if (!publicKey)
      problems.push({ chain: CHECKPOINT_CHAIN, reason: 'checkpoint-forged', id, detail: `checkpoint ${checkpoint.seq} names key ${checkpoint.keyId}, which is not a trusted checkpoint key` });
    else if (!signatureVerifies(checkpoint, publicKey))
      problems.push({ chain: CHECKPOINT_CHAIN, reason: 'checkpoint-forged', id, detail: `the signature of checkpoint ${checkpoint.seq} does not verify with key ${checkpoint.keyId}: it was altered or forged` });
    else trusted.push(checkpoint);
    previous = checkpoint;
  }
  return { problems, trusted };
}

/**
 * Does every chain still extend every trusted checkpoint? A chain a checkpoint names must
 * still exist, reach at least the checkpoint's seq, and hold there the entry with the
 * checkpoint's hash (its links back from there are checked by checkChain). Each chain's
 * problem is reported once, with the oldest checkpoint that shows it.
 */
export function checkAgainstCheckpoints(chains: readonly AuditChain[], checkpoints: readonly AuditCheckpoint[]): ChainProblem[] {
  const byName = new Map(chains.map((c) => [c.chain, c]));
  const problems = new Map<string, ChainProblem>();
  for (const checkpoint of checkpoints) {
    for (const recorded of checkpoint.heads) {
      const { chain: name, lastSeq, lastHash } = recorded;
      if (problems.has(name)) continue;
      const chain = byName.get(name);
      const id = `${name}/${lastSeq}`;
      const at = { checkpoint: checkpoint.seq, lastSeq: chain?.entries.at(-1)?.seq ?? 0, ...(chain?.head ? { headSeq: chain.head.seq } : {}) };
      if (!chain || (chain.entries.length === 0 && !chain.head)) {
        problems.set(name, { chain: name, reason: 'chain-deleted', id, detail: `checkpoint ${checkpoint.seq} names chain ${name} at entry ${lastSeq}, but neither its entries nor its head exist: the chain was deleted`, ...at });
        continue;
      }
      const end = Math.max(at.lastSeq, chain.head?.seq ?? 0);
      if (end < lastSeq) {
        problems.set(name, { chain: name, reason: 'rewound', id: `${name}/${end + 1}`, detail: `checkpoint ${checkpoint.seq} recorded chain ${name} at entry ${lastSeq}, but it now ends at ${end}: entries were deleted and the head rewritten`, ...at });
        continue;
      }
      const entry = chain.entries.find((e) => e.seq === lastSeq);
      if (!entry) problems.set(name, { chain: name, reason: 'rewritten', id, detail: `entry ${lastSeq}, recorded by checkpoint ${checkpoint.seq}, is missing`, ...at });
      else if (entry.hash !== lastHash)
        problems.set(name, { chain: name, reason: 'rewritten', id, detail: `entry ${lastSeq} does not have the hash checkpoint ${checkpoint.seq} recorded: the chain was rewritten up to there`, ...at });
    }
  }
  return [...problems.values()];
}

/** History entries whose audit entry does not exist (deleted, or never written with them). */
export function checkCitations(citations: readonly HistoryCitation[], chains: readonly AuditChain[]): ChainProblem[] {
  const ids = new Set<string>();
  for (const chain of chains) for (const entry of chain.entries) ids.add(entry.id);
  return citations
    .filter((c) => !ids.has(c.auditId))
    .map((c) => ({
      chain: chainOfId(c.auditId),
      reason: 'history-unaudited' as const,
      id: c.auditId,
      detail: `history entry ${c.view} revision ${c.revision} cites audit entry ${c.auditId}, which does not exist`,
    }));
}

/** `view:users/7` → `view:users`. */
function chainOfId(auditId: string): string {
  const slash = auditId.lastIndexOf('/');
  return slash > 0 ? auditId.slice(0, slash) : auditId;
}

/**
 * POST /audit/checkpoints: the caller's request is audited on the global chain first, so the
 * checkpoint it asked for anchors the record of who asked.
 */
export async function checkpointOnDemand(
  deps: { audit: Pick<AuditLog, 'auditChains' | 'appendAudit'>; clock: Clock },
  anchor: { checkpoints: CheckpointLog; signer: CheckpointSigner },
  actor: string,
): Promise<AuditCheckpoint> {
  await deps.audit.appendAudit({ actor, action: 'checkpoint', outcome: 'allowed' });
  return takeCheckpoint(deps, anchor);
}
