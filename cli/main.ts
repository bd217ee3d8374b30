/**
 * `rewind`: the command line over Rewind's HTTP API. This file only wires commander to the
 * commands in commands.ts and decides how results and errors are printed and which exit
 * code they give (0 ok, 1 refused or failed, 2 used wrongly).
 *
 * @example npx rewind deploy examples/user_profile.view.yaml --data examples/user_profile.v1.csv --activate
 * @example npx rewind activate user_profile 3 --canary 10 --bake 1h --reason "new basket model"
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { MAX_BAKE_SECONDS } from '../core/requests';
import { DEFAULT_TOKEN_LIFETIME } from '../contract/local-tokens';
import { DataFileError } from './data-file';
import { RewindApiError, RewindUnreachableError } from './client';
import * as commands from './commands';
import { connect } from './connection';
import { DEFAULT_INLINE_LIMIT_BYTES } from './deploy';
import { trainingSet } from './training-set';
import { UsageError } from './errors';
import { addDrillCommands } from './drills/commands';
import * as governance from './governance';
import * as incidents from './incidents';
import { loadPolicyFile, PolicyFileError } from './policy-file';
import { terminalJobProgress, type JobProgress } from './job-progress';
import { terminalProgress, UploadError, type UploadProgress } from './upload';
import { ViewFileError } from './view-file';

export interface CliIO {
  stdout: { write(text: string): unknown };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** How uploads report progress; a bar on a terminal by default. */
  progress?: UploadProgress;
  /** How a followed deploy job reports progress; a bar on a terminal by default (cli/job-progress.ts). */
  jobProgress?: JobProgress;
}

interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

/**
 * Run one command line (without `node rewind`) and return its exit code. Never calls
 * process.exit, so tests and the demo can call it in-process.
 *
 * @example const code = await run(['status', '--json'], { env: { REWIND_URL: url, REWIND_TOKEN: token } })
 */
export async function run(argv: readonly string[], partial: Partial<CliIO> = {}): Promise<number> {
  const io: CliIO = { stdout: process.stdout, stderr: process.stderr, env: process.env, ...partial };
  let exitCode = 0;
  let json = argv.includes('--json');
  const program = buildProgram(io, (output, globals) => {
    json = globals.json ?? false;
    io.stdout.write(`${json ? JSON.stringify(output.data, null, 2) : output.text}\n`);
    exitCode = output.exitCode ?? 0;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return reportError(error, io, json);
  }
}

type Emit = (output: commands.Output, globals: GlobalOptions) => void;

export function buildProgram(io: CliIO, emit: Emit): Command {
  const program = new Command('rewind')
    .description('Deploy, activate (all at once, canary or shadow), promote and roll back ML feature views on Rewind')
    .option('--url <url>', 'Rewind API base URL (env REWIND_URL; default http://127.0.0.1:3000)')
    .option('--token <jwt>', 'bearer token (env REWIND_TOKEN; against a local URL one is minted when absent)')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(rewind --help for usage)')
    .showSuggestionAfterError();

  // Each action gets the options of every level (global flags may come after the command).
  const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();
  const client = (cmd: Command) => connect(globals(cmd), io.env, (message) => void io.stderr.write(`${message}\n`));
  const act =
    <A extends unknown[]>(fn: (cmd: Command, ...args: A) => Promise<commands.Output>) =>
    async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      emit(await fn(cmd, ...(args.slice(0, -1) as A)), globals(cmd));
    };

  program
    .command('deploy')
    .description('deploy a new version of a view from a view file and a data file (does not activate unless --activate)')
    .argument('<view-file>', 'YAML or JSON: definition, transformation, sources, consumers, changelog')
    .option('--data <file>', 'rows as .csv, .jsonl/.ndjson or .parquet')
    .option('--view <name>', "view name (default: the file's `view:`, else its file name)")
    .option('--activate', 'serve the new version as soon as it is deployed')
    .option('--reason <text>', 'why (recorded with the activation)')
    .option('--plan', 'only report what the deploy would do (validation against the baseline); write nothing')
    .option('--no-wait', 'when the deploy runs as a job (a large file, or --async): print the job id instead of following it')
    .option('--async', 'run the deploy as a job (202), whatever its size; it is followed until it ends unless --no-wait')
    .addOption(
      new Option('--inline-limit <bytes>', 'data files up to this size are sent inline; larger ones are uploaded')
        .argParser(integer('--inline-limit', 0))
        .default(DEFAULT_INLINE_LIMIT_BYTES),
    )
    .action(
      act(async (cmd, viewFile: string, opts: { data?: string; view?: string; activate?: boolean; reason?: string; plan?: boolean; inlineLimit: number; wait: boolean; async?: boolean }) => {
        // Ctrl-C while a job is followed stops the following, never the job (no cancel is sent).
        const following = new AbortController();
        const interrupt = () => following.abort();
        process.once('SIGINT', interrupt);
        const jobProgress = io.jobProgress ?? terminalJobProgress(io.stderr as NodeJS.WriteStream);
        try {
          return await commands.deploy(await client(cmd), {
          viewFile,
          ...(opts.data ? { data: opts.data } : {}),
          ...(opts.view ? { view: opts.view } : {}),
          activate: opts.activate ?? false,
          ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
          inlineLimitBytes: opts.inlineLimit,
          plan: opts.plan ?? false,
          ...(opts.async ? { async: true } : {}),
          progress: io.progress ?? terminalProgress(io.stderr as NodeJS.WriteStream),
          // A job is followed with a progress bar (a line per read off a terminal) on stderr.
          noWait: !opts.wait,
          onJob: (job) => jobProgress.update(job),
          signal: following.signal,
        });
        } finally {
          jobProgress.stop();
          process.removeListener('SIGINT', interrupt);
        }
      }),
    );

  program
    .command('activate')
    .description('serve a version of a view: to everyone, or on trial as a canary (--canary) or a shadow (--shadow)')
    .argument('<view>')
    .argument('<version>', 'version number', integer('version', 1))
    .option('--canary <percent>', 'serve it to this percent of entities only (0 < percent ≤ 100, to 0.01); the rest stay on stable', percent('--canary'))
    .addOption(new Option('--shadow', 'serve it to nobody: only the drift monitor sees its values (blue/green)').conflicts('canary'))
    .option('--bake <duration>', 'canary or shadow: promote automatically after this long with no alarm (seconds, or 30m, 2h, 1d)', duration('--bake', 1, MAX_BAKE_SECONDS))
    .option('--expected-revision <n>', 'refuse (409) unless the view is at this revision', integer('--expected-revision', 0))
    .option('--reason <text>', 'why (recorded in history and audit)')
    .action(
      act(async (cmd, view: string, version: number, opts: commands.ActivateOptions) => {
        const request = commands.activationRequest(version, opts); // usage errors before connecting
        return commands.activate(await client(cmd), view, request.version, opts);
      }),
    );

  program
    .command('promote')
    .description('make the canary or shadow candidate stable for everyone')
    .argument('<view>')
    .option('--reason <text>', 'why (recorded in history and audit)')
    .option('--expected-revision <n>', 'refuse (409) unless the view is at this revision', integer('--expected-revision', 0))
    .action(
      act(async (cmd, view: string, opts: { reason?: string; expectedRevision?: number }) => commands.promote(await client(cmd), view, opts)),
    );

  program
    .command('rollback')
    .description('go back to the version served before the current one, or to --to; during a canary or shadow, drop the candidate')
    .argument('<view>')
    .option('--to <version>', 'the version to go back to', integer('--to', 1))
    .requiredOption('--reason <text>', 'why (recorded in history and audit)')
    .option('--expected-revision <n>', 'refuse (409) unless the view is at this revision', integer('--expected-revision', 0))
    .option('--break-glass <reason>', 'admins: roll back a view whose tier needs an approval without one (recorded as break-glass)')
    .action(
      act(async (cmd, view: string, opts: { to?: number; reason: string; expectedRevision?: number; breakGlass?: string }) =>
        commands.rollback(await client(cmd), view, opts),
      ),
    );

  for (const to of ['disable', 'enable'] as const) {
    program
      .command(to)
      .description(
        to === 'disable'
          ? 'kill switch: serve one feature as its declared default (or null) while the rest keep serving'
          : "serve a disabled feature's values again",
      )
      .argument('<view>')
      .argument('<feature>')
      .requiredOption('--reason <text>', 'why (recorded in history and audit)')
      .option('--expected-revision <n>', 'refuse (409) unless the view is at this revision', integer('--expected-revision', 0))
      .option('--break-glass <reason>', 'admins: switch without the approval a policy may require for it (recorded as break-glass)')
      .action(
        act(async (cmd, view: string, feature: string, opts: { reason: string; expectedRevision?: number; breakGlass?: string }) =>
          commands.switchFeature(await client(cmd), view, feature, to, opts),
        ),
      );
  }

  program
    .command('approve')
    .description('approve one pointer change of a view whose tier needs a second person (by default: activating <version>)')
    .argument('<view>')
    .argument('[version]', 'the version approved (required to approve an activation)', integer('version', 1))
    .addOption(new Option('--action <action>', 'the change approved').choices(governance.APPROVAL_ACTIONS).default('activate'))
    .option('--feature <name>', 'disable / enable: the feature approved (default: any)')
    .option('--reason <text>', 'why (recorded with the approval and in the audit log)')
    .option('--expires <duration>', 'how long it stays usable: 30m, 12h, 7d (default 1d)', duration('--expires', 60, 7 * 24 * 3600))
    .action(
      act(async (cmd, view: string, version: number | undefined, opts: { action: governance.ApproveOptions['action']; feature?: string; reason?: string; expires?: number }) => {
        const options: governance.ApproveOptions = {
          ...(opts.action ? { action: opts.action } : {}),
          ...(opts.feature !== undefined ? { feature: opts.feature } : {}),
          ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
          ...(opts.expires !== undefined ? { expiresInSeconds: opts.expires } : {}),
        };
        governance.approvalRequest(version, options); // usage errors before connecting
        return governance.approve(await client(cmd), view, version, options);
      }),
    );

  program
    .command('approvals')
    .description("a view's approvals, newest first: usable, used or expired")
    .argument('<view>')
    .option('--limit <n>', 'at most this many', integer('--limit', 1))
    .action(act(async (cmd, view: string, opts: { limit?: number }) => governance.approvals(await client(cmd), view, opts.limit)));

  const policy = program.command('policy').description('the policy document: which role may do what on which tier, MFA, approvals');
  policy
    .command('get')
    .description('the policy in force (--json prints a file `policy set` accepts back)')
    .action(act(async (cmd) => governance.policyGet(await client(cmd))));
  policy
    .command('set')
    .description(
      'propose a new policy (an admin with MFA): prints the proposal and what it would change; another admin or approver puts it in force with `policy approve`. From `policy get --json` output, the revision read is expected unless --expected-revision says otherwise',
    )
    .argument('<file>', 'YAML or JSON: the document (`tiers:` standard and critical), or `rewind policy get --json` output')
    .option('--expected-revision <n>', 'refuse (409) unless the policy is at this revision', integer('--expected-revision', 0))
    .option('--reason <text>', 'why (recorded in the audit log with the whole document)')
    .option('--break-glass <reason>', 'admins: put it in force at once, without a second person (recorded as break-glass)')
    .action(
      act(async (cmd, file: string, opts: { expectedRevision?: number; reason?: string; breakGlass?: string }) => {
        const loaded = await loadPolicyFile(file); // file errors before connecting
        return governance.policySet(await client(cmd), loaded, opts);
      }),
    );
  policy
    .command('approve')
    .description("put another person's policy proposal in force (an admin or approver with MFA; not its proposer)")
    .argument('<id>', 'the proposal id `policy set` printed')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .action(act(async (cmd, id: string, opts: { reason?: string }) => governance.policyApprove(await client(cmd), id, opts)));
  policy
    .command('proposals')
    .description('policy proposals, newest first: pending, stale (another revision came first) or applied')
    .option('--limit <n>', 'at most this many', integer('--limit', 1))
    .action(act(async (cmd, opts: { limit?: number }) => governance.policyProposals(await client(cmd), opts.limit)));

  program
    .command('status')
    .description('every view and what it serves, or one view with its versions')
    .argument('[view]')
    .action(act(async (cmd, view?: string) => commands.status(await client(cmd), view)));

  program
    .command('lineage')
    .description('the lineage graph around a source (URI), a view or a model: who read what, what is served now, who consumes it')
    .argument('<kind>', 'source | view | model')
    .argument('<name>', 'the source URI, view name or model name')
    .action(
      act(async (cmd, kind: string, name: string) => {
        if (kind !== 'source' && kind !== 'view' && kind !== 'model') throw new UsageError(`lineage: <kind> must be source, view or model, not '${kind}'`);
        return commands.lineage(await client(cmd), kind, name);
      }),
    );

  program
    .command('revert-source')
    .description('roll back every view served from a bad source to its newest earlier version without it, as one incident (views with none: the kill switch is offered)')
    .argument('[uri]', 'the source URI (or give --checksum)')
    .requiredOption('--reason <text>', 'why (recorded in the incident and each rollback)')
    .option('--checksum <checksum>', 'the source by checksum (with a uri: only that uri with that checksum)')
    .option('--dry-run', 'print what would be reverted; change nothing')
    .option('--break-glass <reason>', 'admins: roll back views whose tier needs an approval without one (recorded as break-glass)')
    .action(
      act(async (cmd, uri: string | undefined, opts: { reason: string; checksum?: string; dryRun?: boolean; breakGlass?: string }) => {
        if (!uri && !opts.checksum) throw new UsageError('revert-source: give the source uri, or --checksum');
        return incidents.revertSource(await client(cmd), uri, { reason: opts.reason, ...(opts.checksum ? { checksum: opts.checksum } : {}), dryRun: opts.dryRun === true, ...(opts.breakGlass ? { breakGlassReason: opts.breakGlass } : {}) });
      }),
    );

  program
    .command('incidents')
    .description('incidents (several pointer changes made for one cause): show <id>')
    .argument('<verb>', 'show')
    .argument('<id>', 'the incident id (inc-…)')
    .action(
      act(async (cmd, verb: string, id: string) => {
        if (verb !== 'show') throw new UsageError(`incidents: <verb> must be show, not '${verb}'`);
        return incidents.showIncident(await client(cmd), id);
      }),
    );

  program
    .command('blast-radius')
    .description('when a version was served and to what share, the models consuming it, requests sampled, artifacts refreshed: Markdown for an incident review')
    .argument('<view>')
    .argument('<version>', 'version number', integer('version', 1))
    .action(act(async (cmd, view: string, version: number) => commands.blastRadiusReport(await client(cmd), view, version)));

  addDrillCommands(program, io, act, globals, client);

  program
    .command('runbook')
    .description("the view's runbook as a checklist: known-good version, who may roll back and approve, models, sources, the exact commands")
    .argument('<view>')
    .action(act(async (cmd, view: string) => commands.runbook(await client(cmd), view)));

  program
    .command('as-of')
    .description('time travel: the pointer in force at an instant (ISO 8601), the change that set it and the versions it named')
    .argument('<view>')
    .argument('<time>', 'an ISO 8601 instant with a time zone, e.g. 2026-11-30T02:14:00Z')
    .action(act(async (cmd, view: string, at: string) => commands.asOf(await client(cmd), view, at)));

  program
    .command('training-set')
    .description('an "as served" training set: for each (entity, timestamp) row of a CSV or Parquet file, the features served then and the version and arm that served them, as Parquet')
    .argument('<view>')
    .requiredOption('--data <file>', 'a .csv or .parquet file of (entity, timestamp) rows; timestamps ISO 8601 with a time zone')
    .option('--out <file>', 'download the Parquet result to this file')
    .option('--entity-column <name>', "the file's entity column (default: the view's entity key)")
    .option('--timestamp-column <name>', "the file's timestamp column (default: at)")
    .option('--async', 'build it as a job (202), whatever its size; a file over REWIND_TRAINING_SET_MAX_ROWS rows is one anyway')
    .option('--no-wait', 'when it runs as a job: print the job id instead of following it')
    .action(
      act(async (cmd, view: string, opts: { data: string; out?: string; entityColumn?: string; timestampColumn?: string; async?: boolean; wait: boolean }) => {
        // A job is followed with the deploy's progress bar on stderr; Ctrl-C stops the following, never the job.
        const following = new AbortController();
        const interrupt = () => following.abort();
        process.once('SIGINT', interrupt);
        const jobProgress = io.jobProgress ?? terminalJobProgress(io.stderr as NodeJS.WriteStream);
        const { wait, async: asJob, ...rest } = opts;
        try {
          return await trainingSet(await client(cmd), view, {
            ...rest,
            ...(asJob ? { async: true } : {}),
            noWait: !wait,
            onJob: (job) => jobProgress.update(job),
            signal: following.signal,
            progress: io.progress ?? terminalProgress(io.stderr as NodeJS.WriteStream),
          });
        } finally {
          jobProgress.stop();
          process.removeListener('SIGINT', interrupt);
        }
      }),
    );

  program
    .command('history')
    .description("a view's pointer changes, newest first")
    .argument('<view>')
    .option('--limit <n>', 'at most this many entries', integer('--limit', 1))
    .action(act(async (cmd, view: string, opts: { limit?: number }) => commands.history(await client(cmd), view, opts.limit)));

  program
    .command('get')
    .description('the feature values served for one entity')
    .argument('<view>')
    .argument('<entity>')
    .option('--at <time>', 'what was served at this past instant (ISO 8601 with a time zone): time travel')
    .action(act(async (cmd, view: string, entity: string, opts: { at?: string }) => commands.get(await client(cmd), view, entity, opts.at)));

  const audit = program.command('audit').description('the hash-chained audit log');
  audit
    .command('verify')
    .description('check every audit chain (exit 1 if one is broken)')
    .action(act(async (cmd) => commands.auditVerify(await client(cmd))));
  audit
    .command('list')
    .description('audit entries, newest first')
    .option('--view <view>', 'only this view')
    .option('--actor <sub>', "only what this actor did or was refused (a token's sub, or system:alarm/<name>)")
    .option('--limit <n>', 'at most this many entries', integer('--limit', 1))
    .action(act(async (cmd, opts: { view?: string; actor?: string; limit?: number }) => commands.auditList(await client(cmd), opts)));

  const jobs = program.command('jobs').description('jobs: deploys and purges too large for one request, run in chunks (kind deploy, purge, training-set)');
  jobs
    .command('list')
    .argument('<view>')
    .option('--limit <n>', 'newest first, at most this many', integer('--limit', 1))
    .action(act(async (cmd, view: string, opts: { limit?: number }) => commands.jobsList(await client(cmd), view, opts.limit)));
  jobs
    .command('show')
    .argument('<id>', 'the job id (from the deploy, or rewind jobs list)')
    .action(act(async (cmd, id: string) => commands.jobsShow(await client(cmd), id)));
  jobs
    .command('cancel')
    .description('stop a job: no version is recorded and its online rows are deleted (refused once it has ended)')
    .argument('<id>')
    .action(act(async (cmd, id: string) => commands.jobsCancel(await client(cmd), id)));

  program
    .command('events')
    .description("Rewind's public events (pointer changes and artifact refreshes)")
    .command('republish')
    .description("publish again the events of a view's committed changes (admin): after stream records went to the outbox's failure queue; consumers deduplicate on detail.eventId")
    .requiredOption('--view <view>', 'the view whose changes to replay')
    .requiredOption('--from-revision <n>', 'the first revision to replay (GET /views/<view>/history lists them)', integer('--from-revision', 1))
    .option('--to-revision <n>', 'the last revision to replay (default: the newest)', integer('--to-revision', 1))
    .action(act(async (cmd, opts: { view: string; fromRevision: number; toRevision?: number }) => commands.eventsRepublish(await client(cmd), opts)));

  program
    .command('purge')
    .description("free a version's online values (its snapshot stays; a rollback to it re-materializes)")
    .argument('<view>')
    .argument('<version>', 'version number', integer('version', 1))
    .option('--wait', 'if it stopped being served less than the pointer-cache bound ago (409 RecentlyServed), wait until no cached pointer can name it, then purge')
    .option('--async', 'purge as a job (202), whatever the version\'s size (a version over REWIND_SYNC_DEPLOY_MAX_ROWS rows is one anyway)')
    .option('--no-follow', 'when the purge runs as a job: print the job id instead of following it')
    .action(
      act(async (cmd, view: string, version: number, opts: { wait?: boolean; async?: boolean; follow: boolean }) => {
        // A purge job is followed with the deploy's progress bar; Ctrl-C stops the following, never the job.
        const following = new AbortController();
        const interrupt = () => following.abort();
        process.once('SIGINT', interrupt);
        const jobProgress = io.jobProgress ?? terminalJobProgress(io.stderr as NodeJS.WriteStream);
        try {
          return await commands.purge(await client(cmd), view, version, {
            ...(opts.wait ? { wait: true } : {}),
            ...(opts.async ? { async: true } : {}),
            noWait: !opts.follow,
            onJob: (job) => jobProgress.update(job),
            signal: following.signal,
          });
        } finally {
          jobProgress.stop();
          process.removeListener('SIGINT', interrupt);
        }
      }),
    );

  program
    .command('token')
    .description('mint a token for the LOCAL runtime (REWIND_JWT_SECRET or the development default); prints only the token')
    .requiredOption('--sub <subject>', 'who the token speaks for (recorded in the audit log)')
    .requiredOption('--roles <roles>', 'comma-separated: viewer, deployer, approver, admin', (v: string) => v.split(',').map((r) => r.trim()).filter(Boolean))
    .option('--mfa', 'mark the token as issued after multi-factor authentication')
    .option('--expires <duration>', 'lifetime such as 30m, 12h, 7d (every local token expires; the local gateway refuses one without exp)', DEFAULT_TOKEN_LIFETIME)
    .action(act(async (_cmd, opts: { sub: string; roles: string[]; mfa?: boolean; expires: string }) => commands.token(io.env, opts)));

  return program;
}

/** A percent of entities: 0 < p ≤ 100, to 0.01 (`12.5` and `12.5%` both read). */
export function percent(name: string) {
  return (value: string): number => {
    const text = value.trim().replace(/%$/, '');
    const n = Number(text);
    if (!/^\d+(\.\d{1,2})?$/.test(text) || !(n > 0) || n > 100) throw new InvalidArgumentError(`${name} must be a percent above 0 and at most 100, to 0.01 (e.g. 10 or 12.5)`);
    return n;
  };
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** A duration in whole seconds: `90` (seconds) or `90s`, `30m`, `2h`, `1d`, `1w`; between min and max. */
export function duration(name: string, min: number, max: number) {
  return (value: string): number => {
    const m = /^(\d+)\s*([smhdw]?)$/i.exec(value.trim());
    const seconds = m ? Number(m[1]) * UNIT_SECONDS[(m[2] || 's').toLowerCase()]! : NaN;
    if (!Number.isSafeInteger(seconds) || seconds < min || seconds > max)
      throw new InvalidArgumentError(`${name} must be a duration from ${min} s to ${max / 86_400} days, in seconds or as 30m, 2h, 1d`);
    return seconds;
  };
}

/** An argument parser for whole numbers ≥ min; a bad one is a usage error (exit 2). */
function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
    return n;
  };
}

function reportError(error: unknown, io: CliIO, json: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message (or the help) through configureOutput.
    return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : 2;
  }
  const code = error instanceof UsageError ? 2 : 1;
  const body = errorBody(error);
  io.stderr.write(json ? `${JSON.stringify({ error: body })}\n` : `error: ${body.message}${hint(error)}\n`);
  if (io.env.REWIND_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return code;
}

function errorBody(error: unknown): { code: string; message: string; field?: string; status?: number; current?: unknown } {
  if (error instanceof RewindApiError) {
    // Validation messages already start with their field ("body.rows[3].age: …"); others get it added.
    const message = error.field && !error.message.startsWith(error.field) ? `${error.field}: ${error.message}` : error.message;
    return {
      code: error.code,
      message,
      status: error.status,
      ...(error.field ? { field: error.field } : {}),
      ...(error.current !== undefined ? { current: error.current } : {}),
    };
  }
  if (error instanceof PolicyFileError) return { code: 'PolicyFileError', message: error.message, ...(error.field ? { field: error.field } : {}) };
  if (error instanceof ViewFileError) return { code: 'ViewFileError', message: error.message, ...(error.field ? { field: error.field } : {}) };
  if (error instanceof DataFileError) return { code: 'DataFileError', message: error.message };
  if (error instanceof UsageError) return { code: 'UsageError', message: error.message };
  if (error instanceof RewindUnreachableError) return { code: 'Unreachable', message: error.message };
  if (error instanceof UploadError) return { code: 'UploadError', message: error.message };
  return { code: 'Error', message: error instanceof Error ? error.message : String(error) };
}

function hint(error: unknown): string {
  if (!(error instanceof RewindApiError)) return '';
  if (error.status === 401) return '\n  (pass --token or set REWIND_TOKEN; `rewind token --sub you --roles deployer` mints one for a local Rewind)';
  if (error.code === 'MfaRequired') return '\n  (this change needs a token issued with MFA; locally: rewind token --sub you --roles … --mfa)';
  if (error.code === 'ApprovalRequired') {
    // The server names the route; say the same in the CLI's words.
    const view = /^\S+ \/views\/([^/]+)\//.exec(error.request)?.[1];
    const breakGlass = error.message.includes('breakGlassReason') ? '; or an admin adds --break-glass <reason>' : '';
    return `\n  (a second person who may approve runs: rewind approve ${view ? decodeURIComponent(view) : '<view>'} [version] --action …${breakGlass})`;
  }
  if (error.code === 'RevisionConflict') {
    const current = error.current as { revision?: number; stable?: number | null } | undefined;
    return current ? `\n  (now at revision ${current.revision}, serving ${current.stable === null || current.stable === undefined ? 'nothing' : `v${current.stable}`})` : '';
  }
  return '';
}

/** Run as the process's entry point: `tsx cli/main.ts …` or bin/rewind.js. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  process.exitCode = await run(argv);
}

if (typeof module !== 'undefined' && require.main === module) void main();
