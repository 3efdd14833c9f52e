/**
 * Whether the tracker must stay silent, from `localStorage`, `location` and `navigator`. Checked
 * per event, not once per page, so the opt-out (`localStorage.edgebear_ignore = "true"`) takes
 * effect without a reload. Excluded: the opted-out browser; unless `localAllowed` (`data-local`):
 * `file:` pages, localhost / 127.x / [::1], and automated browsers (`navigator.webdriver`); when
 * `dntRespected` (`data-respect-dnt`): Do-Not-Track and Global Privacy Control.
 */
export function isExcluded(localAllowed: boolean, dntRespected: boolean): boolean {
  let optedOut: string | undefined;
  try {
    optedOut = localStorage.edgebear_ignore;
  } catch {
    // Storage blocked (sandboxed frame, strict privacy settings): there cannot be an opt-out flag either.
  }
  const nav = navigator as Navigator & { globalPrivacyControl?: boolean };
  return (
    optedOut === 'true' ||
    (!localAllowed &&
      (location.protocol === 'file:' ||
        /^(localhost$|127\.|\[::1\]$)/.test(location.hostname) ||
        nav.webdriver)) ||
    (dntRespected && (nav.doNotTrack === '1' || !!nav.globalPrivacyControl))
  );
}
