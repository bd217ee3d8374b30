/**
 * A Rewind stack's identity: its service name. One account and region can hold several
 * stacks (a prod and a dev, `rewind:stackName`), and CloudWatch and the default event bus are
 * shared between them, so everything a stack leaves there carries its service name: the
 * `service` dimension of its drift metrics, the names of its drift alarms
 * (`<service>-drift-<view>-<check>`, contract/alarms.ts) and the alarm-name prefix its
 * rollback rule listens for (`<service>-`, contract/rules.ts). Without it, one stack's drift
 * would feed, overwrite and fire the other's alarms, and roll back the other's views.
 *
 * The functions learn it from POWERTOOLS_SERVICE_NAME, which Powertools also uses as the
 * logger's `service` and the metrics' `service` dimension.
 */

/** The service of the default stack (`Rewind`) and of the local runtime. */
export const DEFAULT_SERVICE_NAME = 'rewind';
/** The stack name used when `rewind:stackName` is not given. */
export const DEFAULT_STACK_NAME = 'Rewind';
const STACK_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
/** Carries the service name to every function of a stack (and to Powertools). */
export const SERVICE_NAME_ENV = 'POWERTOOLS_SERVICE_NAME';

/**
 * The service name of the stack called `stackName`: `rewind` for the default stack, so a
 * single-stack account keeps the names it always had, `rewind-<stack name in lower case>` for
 * any other.
 *
 * @example serviceNameForStack('Rewind') // 'rewind'
 * @example serviceNameForStack('RewindDev') // 'rewind-rewinddev'
 */
export function serviceNameForStack(stackName: string): string {
  // Letters and digits only: with a dash, one stack's `<service>-drift-` prefix could be
  // another's (stack `Dev-Drift` vs view `drift-…` of stack `Dev`).
  if (!STACK_NAME.test(stackName)) throw new Error(`rewind:stackName must be letters and digits, starting with a letter (at most 64), got '${stackName}'`);
  // `rewind-drift-drift-v-psi` would be both the default stack's alarm for view `drift-v` and
  // stack Drift's for view `v`.
  if (stackName.toLowerCase() === 'drift') throw new Error(`rewind:stackName '${stackName}' would name its alarms like the default stack's`);
  return stackName === DEFAULT_STACK_NAME ? DEFAULT_SERVICE_NAME : `${DEFAULT_SERVICE_NAME}-${stackName.toLowerCase()}`;
}

/**
 * The service this process runs as: POWERTOOLS_SERVICE_NAME, or the default when unset
 * (the stack always sets it; unit tests and scripts need not).
 *
 * @example serviceNameFromEnv({ POWERTOOLS_SERVICE_NAME: 'rewind-rewinddev' }) // 'rewind-rewinddev'
 */
export function serviceNameFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const value = env[SERVICE_NAME_ENV]?.trim();
  return value ? value : DEFAULT_SERVICE_NAME;
}
