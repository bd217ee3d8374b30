/** Event fixtures in the shapes AWS sends them. */

/** A real-shaped "CloudWatch Alarm State Change" event (as EventBridge delivers it). */
export function alarmEvent(alarmName: string, o: { view?: string; state?: string; at?: string; account?: string; region?: string } = {}) {
  const at = o.at ?? new Date().toISOString();
  // The local runtime's account (local/gateway.ts lambdaContext): the handler refuses another's.
  const account = o.account ?? '000000000000';
  const region = o.region ?? 'us-east-1';
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account,
    time: at,
    region,
    resources: [`arn:aws:cloudwatch:${region}:${account}:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: o.state ?? 'ALARM', reason: 'Threshold Crossed: 1 out of the last 1 datapoints [0.9] was greater than the threshold (0.25)', timestamp: at },
      previousState: { value: 'OK', reason: '...', timestamp: '2026-11-25T11:00:00.000Z' },
      configuration: {
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: { namespace: 'Rewind', name: 'FeatureDrift', dimensions: { service: 'rewind', statistic: 'psi', ...(o.view ? { view: o.view } : {}) } },
              period: 60,
              stat: 'Maximum',
            },
            returnData: true,
          },
        ],
      },
    },
  };
}

