import fc from 'fast-check';
import { bakeHasEvidence, DEFAULT_MONITOR, monitorPolicyOf, resolvePolicy, ValidationPolicySchema } from '../../../core/validation/tolerances';
import { inWindow, monitorWindow } from '../../../core/validation/window';
import { minSamplesFor } from '../../../core/stats/noise';

describe('monitor windows', () => {
  it('is the last complete period, aligned on the epoch', () => {
    const w = monitorWindow(60, new Date('2026-01-01T00:01:30.500Z'));
    expect(w).toEqual({
      fromMs: Date.parse('2026-01-01T00:00:00.000Z'),
      toMs: Date.parse('2026-01-01T00:01:00.000Z'),
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-01-01T00:01:00.000Z',
    });
    // Exactly on a boundary, the period that just ended is complete.
    expect(monitorWindow(60, new Date('2026-01-01T00:01:00.000Z')).to).toBe('2026-01-01T00:01:00.000Z');
    // Settling time pushes the window back while writes may still land.
    expect(monitorWindow(10, new Date('2026-01-01T00:00:12.000Z'), 5).to).toBe('2026-01-01T00:00:00.000Z');
  });

  it('consecutive windows never share a batch, and every batch is in exactly one', () => {
    fc.assert(
      fc.property(fc.constantFrom(10, 20, 30, 60, 300), fc.integer({ min: 0, max: 2e12 }), fc.array(fc.integer({ min: 0, max: 3_600_000 }), { minLength: 1, maxLength: 30 }), (period, start, offsets) => {
        const runs = Array.from({ length: 400 }, (_, i) => monitorWindow(period, new Date(start + i * period * 1000)));
        for (let i = 1; i < runs.length; i++) expect(runs[i]!.fromMs).toBe(runs[i - 1]!.toMs);
        for (const offset of offsets) {
          const end = runs[0]!.fromMs + (offset % ((runs.length - 1) * period * 1000));
          const batch = { to: new Date(end).toISOString() };
          expect(runs.filter((w) => inWindow(batch, w))).toHaveLength(1);
        }
      }),
    );
  });

  it('refuses a period that CloudWatch could not bucket', () => {
    expect(() => monitorWindow(0, new Date())).toThrow(RangeError);
    expect(() => monitorWindow(1.5, new Date())).toThrow(/periodSeconds/);
    expect(() => monitorWindow(60, new Date(), -1)).toThrow(/settleSeconds/);
  });
});

describe('monitor policy: noise defaults', () => {
  it('documents its numbers: minSamples from the noise model, minBakeSamples = minSamples × evaluationPeriods', () => {
    const monitor = resolvePolicy().monitor;
    expect(monitor).toMatchObject({ minSamples: 250, falsePositiveRate: 0.001, minBakeSamples: 750 });
    // 5 numeric + 5 categorical features alarmed on psi, js and nullRateIncrease: 20 tests.
    expect(monitor.minSamples).toBeGreaterThanOrEqual(minSamplesFor('js', DEFAULT_MONITOR.alarmAbove.js!, 21, monitor.falsePositiveRate / 20));
    expect(monitor.minSamples).toBeGreaterThanOrEqual(minSamplesFor('psi', DEFAULT_MONITOR.alarmAbove.psi!, 10, monitor.falsePositiveRate / 20));
    expect(resolvePolicy({ monitor: { minSamples: 100, evaluationPeriods: 5, datapointsToAlarm: 2 } }).monitor.minBakeSamples).toBe(500);
    expect(resolvePolicy({ monitor: { minBakeSamples: 0 } }).monitor.minBakeSamples).toBe(0);
  });

  it('a version stored before the new fields gets their defaults, keeping what it stored', () => {
    const stored = { baseline: 'self', alarmAbove: { psi: 0.5, ks: null, js: 0.2, nullRateIncrease: 0.1 }, periodSeconds: 60, evaluationPeriods: 2, datapointsToAlarm: 1, minSamples: 100 } as const;
    expect(monitorPolicyOf({ policy: { monitor: stored } })).toEqual({ ...stored, falsePositiveRate: 0.001, minBakeSamples: 200 });
    expect(monitorPolicyOf(undefined)).toEqual(resolvePolicy().monitor);
  });

  it('bad settings are refused naming the field', () => {
    const fieldOf = (monitor: unknown) => {
      const r = ValidationPolicySchema.safeParse({ monitor });
      return r.success ? undefined : r.error.issues[0]!.path.join('.');
    };
    expect(fieldOf({ falsePositiveRate: 0.5 })).toBe('monitor.falsePositiveRate');
    expect(fieldOf({ falsePositiveRate: 0 })).toBe('monitor.falsePositiveRate');
    expect(fieldOf({ minBakeSamples: -1 })).toBe('monitor.minBakeSamples');
    expect(fieldOf({ minBakeSamples: 1.5 })).toBe('monitor.minBakeSamples');
    expect(fieldOf({ falsePositiveRate: 0.01, minBakeSamples: 10 })).toBeUndefined();
  });
});

describe('bakeHasEvidence', () => {
  it('promotes only once the candidate served minBakeSamples, and says why not', () => {
    const monitor = resolvePolicy().monitor;
    expect(bakeHasEvidence({ samples: 0 }, monitor)).toEqual({ ok: false, reason: '0 served samples since activation, fewer than minBakeSamples 750' });
    expect(bakeHasEvidence({ samples: 749 }, monitor).ok).toBe(false);
    expect(bakeHasEvidence({ samples: 750 }, monitor)).toEqual({ ok: true });
    expect(bakeHasEvidence({ samples: 0 }, { minBakeSamples: 0 })).toEqual({ ok: true });
    expect(() => bakeHasEvidence({ samples: NaN }, monitor)).toThrow(RangeError);
  });
});
