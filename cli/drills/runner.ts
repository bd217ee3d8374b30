/**
 * The drill runner, for the CLI, the bench and the tests: it lives in core/drills/runner.ts,
 * where the scheduled drill on AWS (functions/scheduled-drill.ts) can import it too.
 */
export { runDrill, type DrillRun, type DrillTarget, type FaultInjector } from '../../core/drills/runner';
