/** The parts of `navigator` the decision reads. */
export interface NavigatorSignals {
  webdriver?: boolean;
  doNotTrack?: string | null;
  globalPrivacyControl?: boolean;
}

/**
 * Whether the tracker must stay silent. Checked per event, not once per page, so the opt-out
 * (`localStorage.edgebear_ignore = "true"`) takes effect without a reload. Excluded:
 * the opted-out browser; unless `allowLocal` (`data-local`): `file:` pages, localhost / 127.x /
 * [::1], and automated browsers (`navigator.webdriver`); when `respectDnt`
 * (`data-respect-dnt`): Do-Not-Track and Global Privacy Control.
 *
 * @param optedOut  the value of `localStorage.edgebear_ignore`, if any
 */
export function isExcluded(
  location: { protocol: string; hostname: string },
  navigator: NavigatorSignals,
  optedOut: string | null | undefined,
  allowLocal: boolean,
  respectDnt: boolean,
): boolean {
  return (
    optedOut === 'true' ||
    (!allowLocal &&
      (location.protocol === 'file:' ||
        /^(localhost$|127\.|\[::1\]$)/.test(location.hostname) ||
        !!navigator.webdriver)) ||
    (respectDnt && (navigator.doNotTrack === '1' || !!navigator.globalPrivacyControl))
  );
}
