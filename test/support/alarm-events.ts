/** Event fixtures in the shapes AWS sends them. */

/** A real-shaped "CloudWatch Alarm State Change" event (as EventBridge delivers it). */
export function alarmEvent(alarmName: string, o: { view?: string; state?: string; at?: string } = {}) {
  const at = o.at ?? new Date().toISOString();
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: at,
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
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

