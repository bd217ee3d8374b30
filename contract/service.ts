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
/** What CloudFormation accepts as a stack name. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
/** Carries the service name to every function of a stack (and to Powertools). */
export const SERVICE_NAME_ENV = 'POWERTOOLS_SERVICE_NAME';

/**
 * The service name of the stack called `stackName`: `rewind` for the default stack, so a
 * single-stack account keeps the names it always had, `rewind-<stack name in lower case,
 * letters and digits only>` for any other. Dashes are dropped so that no service's
 * `<service>-drift-` prefix can be another's (stack `Dev-Drift` vs view `drift-…` of stack
 * `Dev`); `Rewind-Dev` and `RewindDev` therefore share a service and must not share an account.
 *
 * @example serviceNameForStack('Rewind') // 'rewind'
 * @example serviceNameForStack('RewindDev') // 'rewind-rewinddev'
 * @example serviceNameForStack('Rewind-Dev') // 'rewind-rewinddev'
 */
export function serviceNameForStack(stackName: string): string {
  if (!STACK_NAME.test(stackName)) throw new Error(`rewind:stackName must be a CloudFormation stack name (a letter, then letters, digits and dashes), got '${stackName}'`);
  if (stackName === DEFAULT_STACK_NAME) return DEFAULT_SERVICE_NAME;
  const instance = stackName.replace(/-/g, '').toLowerCase();
  // `rewind-drift-drift-v-psi` would be both the default stack's alarm for view `drift-v` and
  // stack Drift's for view `v`.
  if (instance === 'drift') throw new Error(`rewind:stackName '${stackName}' would name its alarms like the default stack's`);
  return `${DEFAULT_SERVICE_NAME}-${instance}`;
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
