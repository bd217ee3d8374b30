/**
 * `rewind drill run|list|show|matrix`: drills against any Rewind (the local runtime by
 * default; a stack with --url and --token), through core/drills/runner.ts (re-exported by cli/drills/runner.ts).
 */
import { type Command, Option } from 'commander';
import { drillMarkdown, type DrillReport } from '../../core/drills/report';
import { parseDrillOptions, SCENARIOS, MAX_DRILL_ROWS, MAX_DRILL_RPS, type DrillOptions } from '../../core/drills/scenarios';
import type { Output } from '../commands';
import { resolveConnection } from '../connection';
import { UsageError } from '../errors';
import { runDrill } from './runner';

interface Globals {
  url?: string;
  token?: string;
}

/** `30s`, `2m`, `1500ms` or a bare number of seconds. */
export function parseSeconds(name: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new UsageError(`${name} must be a duration like 30s, 2m or 1500ms, not '${value}'`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 'm' ? n * 60 : n;
}

function numberList(name: string, value: string): number[] {
  const list = value.split(',').map((v) => Number(v.trim()));
  if (list.length === 0 || list.some((n) => !Number.isFinite(n))) throw new UsageError(`${name} must be a comma-separated list of numbers, not '${value}'`);
  return list;
}

function options(raw: Record<string, unknown>): DrillOptions {
  const parsed = parseDrillOptions(raw);
  if (!parsed.ok) throw new UsageError(`--${parsed.field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace('target-mttr-seconds', 'target-mttr')}: ${parsed.message}`);
  return parsed.options;
}

async function target(globals: Globals, env: NodeJS.ProcessEnv, notice: (m: string) => void) {
  const { url, token } = await resolveConnection(globals, env, notice);
  return { url, token };
}

function runText(r: DrillReport): string {
  return drillMarkdown(r).trimEnd();
}

export function addDrillCommands(program: Command, io: { env: NodeJS.ProcessEnv; stderr: { write(s: string): unknown } }, act: (fn: (cmd: Command, ...args: any[]) => Promise<Output>) => (...args: unknown[]) => Promise<void>, globals: (cmd: Command) => Globals, client: (cmd: Command) => Promise<{ drills(): Promise<{ drills: DrillReport[] }>; drill(id: string): Promise<DrillReport> }>): void {
  const notice = (m: string) => void io.stderr.write(`${m}\n`);
  const drill = program.command('drill').description('rehearse a bad night: a faulty deployment in its own namespace, with measured time to detect and to recover');
  const runOptions = (cmd: Command) =>
    common(cmd.option('--rows <n>', `known-good rows (at most ${MAX_DRILL_ROWS.toLocaleString('en')})`, (v) => Number(v), 1000).option('--rps <r>', `serving load, requests per second (at most ${MAX_DRILL_RPS})`, (v) => Number(v), 20));
  const common = (cmd: Command) =>
    cmd
      .option('--target-mttr <duration>', 'time to recover the drill must meet (e.g. 30s)', (v) => parseSeconds('--target-mttr', v), 30)
      .addOption(new Option('--mode <mode>', 'auto: wait for the automatic rollback; manual: follow the runbook through the API').default('auto'))
      .option('--period <seconds>', "the target's alarm period (sizes the monitor's minimum sample)", (v) => Number(v), 10)
      .option('--timeout <duration>', 'give up on a phase after this long', (v) => parseSeconds('--timeout', v), 120);
  runOptions(
    drill
      .command('run')
      .description('one drill; exit 1 when the target is missed or the verification fails')
      .requiredOption('--scenario <name>', `one of ${SCENARIOS.join(', ')}`),
  ).action(
    act(async (cmd, opts: { scenario: string; rows: number; rps: number; targetMttr: number; mode: string; period: number; timeout: number }) => {
      const o = options({ scenario: opts.scenario, rows: opts.rows, rps: opts.rps, targetMttrSeconds: opts.targetMttr, mode: opts.mode, periodSeconds: opts.period, timeoutSeconds: opts.timeout });
      const report = await runDrill(await target(globals(cmd), io.env, notice), { ...o, onProgress: notice });
      return { data: report, text: runText(report), exitCode: report.outcome === 'passed' ? 0 : 1 };
    }),
  );
  common(
    drill
      .command('matrix')
      .description('the same scenario under every combination of rows × rps, one table ("practise under different data load scenarios")')
      .option('--scenario <name>', `one of ${SCENARIOS.join(', ')}`, 'drift')
      .requiredOption('--rows <list>', 'comma-separated row counts, e.g. 1000,100000')
      .requiredOption('--rps <list>', 'comma-separated loads, e.g. 10,200'),
  ).action(
    act(async (cmd, opts: { scenario: string; rows: string; rps: string; targetMttr: number; mode: string; period: number; timeout: number }) => {
      const rows = numberList('--rows', opts.rows);
      const rps = numberList('--rps', opts.rps);
      // Every cell is checked before the first runs: a typo in the last one must not cost the whole matrix.
      const cells = rows.flatMap((r) => rps.map((q) => options({ scenario: opts.scenario, rows: r, rps: q, targetMttrSeconds: opts.targetMttr, mode: opts.mode, periodSeconds: opts.period, timeoutSeconds: opts.timeout })));
      const t = await target(globals(cmd), io.env, notice);
      const reports: DrillReport[] = [];
      for (const cell of cells) reports.push(await runDrill(t, { ...cell, onProgress: notice }));
      return { data: reports, text: matrixTable(reports), exitCode: reports.every((r) => r.outcome === 'passed') ? 0 : 1 };
    }),
  );
  drill
    .command('list')
    .description('stored drill reports, newest first')
    .action(act(async (cmd) => {
      const { drills } = await (await client(cmd)).drills();
      return { data: drills, text: drills.length ? matrixTable(drills) : 'no drill has been run' };
    }));
  drill
    .command('show')
    .argument('<id>')
    .description('one drill report (Markdown; --json for the whole report; GET /drills/<id>?format=html for the page)')
    .action(act(async (cmd, id: string) => {
      const report = await (await client(cmd)).drill(id);
      return { data: report, text: runText(report) };
    }));
}

const s = (ms: number | null) => (ms === null ? '—' : (ms / 1000).toFixed(2));

/** One line per drill: what `drill matrix` and `drill list` print. */
export function matrixTable(reports: readonly DrillReport[]): string {
  const lines = ['| drill | scenario | mode | rows | rps | MTTD s | MTTR s | target s | served bad | load errors | p99 ms | outcome |', '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const r of reports)
    lines.push(`| ${r.id} | ${r.scenario} | ${r.mode} | ${r.rows} | ${r.rps} | ${s(r.measures.mttdMs)} | ${s(r.measures.mttrMs)} | ${r.targetMttrSeconds} | ${r.measures.servedBad} | ${r.measures.loadErrors} | ${r.measures.p99Ms} | ${r.outcome} |`);
  return lines.join('\n');
}
