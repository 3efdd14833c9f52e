/**
 * IP addresses as text: parsed strictly, written in one canonical form, and cut to the part that
 * names a client for rate limits. Pure functions; no address leaves them.
 */

/** A parsed address: IPv4 as 4 octets, IPv6 as 8 hextets. */
export type IpAddress = { version: 4; octets: number[] } | { version: 6; hextets: number[] };

const IPV4_OCTET = /^(?:0|[1-9]\d{0,2})$/;
const HEXTET = /^[0-9a-f]{1,4}$/;

function parseIpv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets: number[] = [];
  for (const part of parts) {
    // No leading zeros: "010" is octal to some parsers and decimal to others.
    if (!IPV4_OCTET.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    octets.push(value);
  }
  return octets;
}

/** The hextets of one side of "::" (or of a whole address without it); null when malformed. */
function hextetsOf(text: string, mayEndInIpv4: boolean): number[] | null {
  if (text === '') return [];
  const groups = text.split(':');
  const hextets: number[] = [];
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i] ?? '';
    if (mayEndInIpv4 && i === groups.length - 1 && group.includes('.')) {
      const v4 = parseIpv4(group);
      if (!v4) return null;
      hextets.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (!HEXTET.test(group)) return null;
    hextets.push(Number.parseInt(group, 16));
  }
  return hextets;
}

function parseIpv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  if (halves.length === 1) {
    const hextets = hextetsOf(text, true);
    return hextets?.length === 8 ? hextets : null;
  }
  const head = hextetsOf(halves[0] ?? '', false);
  const tail = hextetsOf(halves[1] ?? '', true);
  // "::" stands for at least one zero group.
  if (!head || !tail || head.length + tail.length > 7) return null;
  return [...head, ...Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

/**
 * Parses an address as proxies and CDNs write it: IPv4 dotted decimal (optionally with a
 * `:port`), IPv6 in any RFC 4291 spelling (optionally in brackets, with a zone `%eth0` or a
 * trailing embedded IPv4). Case and surrounding spaces do not matter. Null for anything else.
 */
export function parseIp(input: string): IpAddress | null {
  let text = input.trim().toLowerCase();
  if (text.length === 0 || text.length > 64) return null;
  if (!text.includes(':') || /^[\d.]+:\d{1,5}$/.test(text)) {
    const octets = parseIpv4(text.split(':')[0] ?? '');
    return octets ? { version: 4, octets } : null;
  }
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) text = bracketed[1] ?? '';
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  const hextets = parseIpv6(text);
  return hextets ? { version: 6, hextets } : null;
}

/** Whether the address is IPv4-mapped IPv6 (::ffff:a.b.c.d): an IPv4 client on a dual stack. */
function isIpv4Mapped(hextets: readonly number[]): boolean {
  return hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff;
}

/** IPv6 hextets in RFC 5952 form: lower case, no leading zeros, the longest run of 2+ zero groups as "::". */
function formatIpv6(hextets: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (hextets[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hextets[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = hextets.map((h) => h.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The canonical text of an address; an IPv4-mapped IPv6 address becomes its IPv4 address. */
export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) return ip.octets.join('.');
  if (isIpv4Mapped(ip.hextets)) {
    const [hi = 0, lo = 0] = ip.hextets.slice(6);
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  }
  return formatIpv6(ip.hextets);
}

/** `input` in canonical form, or null when it is not an address. */
export function canonicalIp(input: string): string | null {
  const ip = parseIp(input);
  return ip ? formatIp(ip) : null;
}

/**
 * The part of an address that names one client for a rate limit. An IPv4 address is one
 * client. An IPv6 client is its /64: a single subscriber or host usually gets a whole /64
 * (RFC 6177), and can pick any of its 2⁶⁴ addresses, so limiting per address limits nothing.
 * An IPv4-mapped IPv6 address counts as its IPv4 address. Text that is not an address is kept
 * (trimmed, lower-cased), so it still gets a bucket of its own rather than none.
 *
 * Only rate limits use this: the visitor hash keeps the full address, since the people behind
 * one /64 are different visitors.
 */
export function limiterAddress(input: string): string {
  const ip = parseIp(input);
  if (!ip) return input.trim().toLowerCase();
  if (ip.version === 4 || isIpv4Mapped(ip.hextets)) return formatIp(ip);
  return `${formatIpv6([...ip.hextets.slice(0, 4), 0, 0, 0, 0])}/64`;
}
