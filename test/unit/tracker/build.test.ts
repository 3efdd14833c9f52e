import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildTracker, TRACKER_VARIANTS } from '../../../scripts/build-tracker';

describe('tracker build', () => {
  it('leaves the other variants’ features out of the core script', async () => {
    const core = await buildTracker({ engagement: false, clicks: false, performance: false });
    for (const featureOnly of ['engagement', 'Outbound Link: Click', 'PerformanceObserver']) {
      expect(core).not.toContain(featureOnly);
    }
    expect(core).toContain('pageview');
  });

  it('puts web vitals but not engagement or clicks into the performance variant', async () => {
    const perf = await buildTracker({ engagement: false, clicks: false, performance: true });
    expect(perf).toContain('PerformanceObserver');
    expect(perf).not.toContain('engagement');
    expect(perf).not.toContain('Outbound Link: Click');
  });

  it('builds every variant into one closure inside one try, with no exports or imports', async () => {
    for (const variant of TRACKER_VARIANTS) {
      const code = await buildTracker(variant.features);
      expect(code).toMatch(/^try\{\(\(\)=>\{.*\}\)\(\)\}catch\{\}$/s);
      expect(code).not.toMatch(/\bimport\b|\bexport\b|FEATURE_/);
    }
  });

  it('keeps every variant within its gzip -9 budget (docs/tracker.md, "Which script")', async () => {
    for (const variant of TRACKER_VARIANTS) {
      const code = await buildTracker(variant.features);
      expect(gzipSync(code, { level: 9 }).length, variant.file).toBeLessThanOrEqual(variant.budget);
    }
  });
});
