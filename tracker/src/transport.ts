/**
 * Sends one event body. A plain string body goes out as `text/plain`, a CORS "simple request",
 * so there is no preflight. `keepalive` lets the request outlive the page (events sent on hide
 * or on an outbound click); where fetch has no keepalive, `sendBeacon` does the same job.
 * `done` runs once the request has settled (fetch) or been queued (sendBeacon); a failed
 * request is swallowed, never an unhandled rejection in the host page's console.
 */
export function post(api: string, body: string, done: () => void): void {
  if ('keepalive' in Request.prototype)
    fetch(api, { method: 'POST', body, keepalive: true }).then(done, done);
  else {
    navigator.sendBeacon(api, body);
    done();
  }
}
