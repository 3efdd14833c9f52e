/** True when a ClickHouse HTTP server (real or the local bridge) answers `/ping` at `url`. */
export async function isClickHouseUp(url: string, timeoutMs = 1_000): Promise<boolean> {
  try {
    const response = await fetch(new URL('/ping', url), { signal: AbortSignal.timeout(timeoutMs) });
    const body = await response.text();
    return response.ok && body.startsWith('Ok.');
  } catch {
    // Refused, timed out or not HTTP: nothing usable is listening there.
    return false;
  }
}
