/**
 * Sends one event body. A plain string body goes out as `text/plain`, a CORS "simple request",
 * so there is no preflight. `keepalive` lets the request outlive the page (events sent on hide
 * or on an outbound click); where fetch has no keepalive, `sendBeacon` does the same job.
 * `settled` runs once the request has settled (fetch) or been queued (sendBeacon); a failed
 * request is swallowed, never an unhandled rejection in the host page's console.
 */
export function post(endpoint: string, body: string, settled: () => void): void {
  if ('keepalive' in Request.prototype)
    fetch(endpoint, { method: 'POST', body, keepalive: true }).then(settled, settled);
  else {
    navigator.sendBeacon(endpoint, body);
    settled();
  }
}
