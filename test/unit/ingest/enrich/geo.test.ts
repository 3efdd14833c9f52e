import { describe, expect, it } from 'vitest';
import { geoFromCf } from '../../../../workers/ingest/enrich/geo';

/** request.cf as the tests need it: only the geo fields matter here. */
function cf(fields: Record<string, unknown>): IncomingRequestCfProperties {
  return fields as IncomingRequestCfProperties;
}

describe('geoFromCf', () => {
  it('reads country, ISO 3166-2 region and city', () => {
    expect(geoFromCf(cf({ country: 'US', regionCode: 'TX', region: 'Texas', city: 'Austin' }))).toEqual({
      country: 'US',
      region: 'US-TX',
      city: 'Austin',
    });
  });

  it('keeps the country when region and city are unknown', () => {
    expect(geoFromCf(cf({ country: 'DE' }))).toEqual({ country: 'DE', region: '', city: '' });
  });

  it('keeps non-ASCII city names', () => {
    expect(geoFromCf(cf({ country: 'CH', regionCode: 'ZH', city: 'Zürich' })).city).toBe('Zürich');
  });

  it.each([
    ['unknown (XX)', { country: 'XX', regionCode: 'AB', city: 'Nowhere' }],
    ['Tor (T1)', { country: 'T1', city: 'Somewhere' }],
    ['missing', { city: 'Orphan' }],
    ['malformed', { country: 'USA' }],
  ])('reports nothing for a %s country', (_label, fields) => {
    expect(geoFromCf(cf(fields))).toEqual({ country: '', region: '', city: '' });
  });

  it('reports nothing without request.cf (local requests)', () => {
    expect(geoFromCf(undefined)).toEqual({ country: '', region: '', city: '' });
  });
});
