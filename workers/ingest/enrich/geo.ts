export interface Geo {
  /** ISO 3166-1 alpha-2, or '' when unknown. */
  country: string;
  /** ISO 3166-2 (`US-TX`), or ''. */
  region: string;
  city: string;
}

/**
 * Country, region and city of a request from Cloudflare's `request.cf`; the IP itself is never
 * looked at. Cloudflare reports `XX` when it cannot place an IP and `T1` for Tor exits: both are
 * unknown. Region and city are only kept under a known country, so they can never be read
 * without the country they belong to.
 */
export function geoFromCf(cf: IncomingRequestCfProperties | undefined): Geo {
  const rawCountry = typeof cf?.country === 'string' ? cf.country.toUpperCase() : '';
  if (!/^[A-Z]{2}$/.test(rawCountry) || rawCountry === 'XX' || rawCountry === 'T1') {
    return { country: '', region: '', city: '' };
  }
  const regionCode = typeof cf?.regionCode === 'string' ? cf.regionCode.trim().toUpperCase() : '';
  return {
    country: rawCountry,
    region: /^[A-Z0-9]{1,3}$/.test(regionCode) ? `${rawCountry}-${regionCode}` : '',
    city: typeof cf?.city === 'string' ? cf.city.trim() : '',
  };
}
