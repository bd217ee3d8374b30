/**
 * A stand-in for an EventBridge bus, in process: rules are the SAME RuleSpecs the stack
 * deploys (contract/rules.ts), matched with the same pattern, and their targets are the same
 * Lambda handlers, loaded from functions/ the way Lambda loads them. Delivery is
 * asynchronous and at most once per publish; a target's failure is logged and kept in
 * `failures`, as a dead-letter queue would keep it.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { matchesEventPattern, type RuleSpec } from '../contract/rules';
import { lambdaContext } from './gateway';

/** An EventBridge event as targets receive it. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export type Target = (event: BusEvent, context: Context) => Promise<unknown>;

export interface Delivery {
  rule: string;
  event: BusEvent;
  result?: unknown;
  error?: unknown;
  ms: number;
}

export class LocalEventBus {
  private readonly rules: { spec: RuleSpec; target: Target }[] = [];
  private readonly listeners = new Set<(event: BusEvent) => void>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Everything published, newest last (bounded). */
  readonly published: BusEvent[] = [];
  readonly deliveries: Delivery[] = [];
  readonly failures: Delivery[] = [];

  constructor(private readonly options: { maxKept?: number; onDelivery?: (d: Delivery) => void } = {}) {}

  /** Invoke `target` for every event that matches `spec.pattern`. */
  addRule(spec: RuleSpec, target?: Target): this {
    this.rules.push({ spec, target: target ?? loadTarget(spec.handler) });
    return this;
  }

  /** Observe every event (tests, logs). Returns the unsubscribe. */
  subscribe(listener: (event: BusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Put an event on the bus, filling the envelope fields EventBridge would. */
  publish(event: Omit<BusEvent, 'version' | 'id' | 'account' | 'region' | 'time' | 'resources'> & Partial<BusEvent>): BusEvent {
    const full: BusEvent = {
      version: '0',
      id: randomUUID(),
      account: '000000000000',
      region: process.env.AWS_REGION ?? 'us-east-1',
      time: new Date().toISOString(),
      resources: [],
      ...event,
    } as BusEvent;
    this.keep(this.published, full);
    for (const listener of this.listeners) listener(full);
    for (const { spec, target } of this.rules) {
      if (!matchesEventPattern(spec.pattern, full)) continue;
      const delivery = this.deliver(spec, target, full);
      this.inFlight.add(delivery);
      void delivery.finally(() => this.inFlight.delete(delivery));
    }
    return full;
  }

  /** Resolves when every delivery started so far has finished. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(spec: RuleSpec, target: Target, event: BusEvent): Promise<void> {
    const started = performance.now();
    const delivery: Delivery = { rule: spec.id, event, ms: 0 };
    try {
      delivery.result = await target(event, lambdaContext({ handler: spec.handler }));
    } catch (error) {
      delivery.error = error;
      this.keep(this.failures, delivery);
      console.error(`local event bus: rule ${spec.id} → ${spec.handler} failed`, error);
    }
    delivery.ms = performance.now() - started;
    this.keep(this.deliveries, delivery);
    this.options.onDelivery?.(delivery);
  }

  private keep<T>(list: T[], item: T): void {
    list.push(item);
    if (list.length > (this.options.maxKept ?? 1000)) list.shift();
  }
}

function loadTarget(handler: string): Target {
  let loaded: Promise<Target> | undefined;
  return async (event, context) => {
    loaded ??= import(`../functions/${handler}`).then((m: { handler: Target }) => m.handler);
    return (await loaded)(event, context);
  };
}
