/** Extensions counted as file downloads (matched on the end of the link's path, any case). */
export const DOWNLOAD_EXTENSIONS =
  /\.(pdf|docx?|xlsx?|pptx?|csv|txt|zip|rar|7z|t?gz|dmg|exe|msi|pkg|deb|apk|iso|epub|mp[34]|mov|wav)$/i;

/** The parts of an `<a href>` (an `HTMLAnchorElement` is one) the classification reads. */
export interface Link {
  protocol: string;
  host: string;
  pathname: string;
}

/**
 * The event a click on `link` produces, or `undefined` for an ordinary same-site link (and for
 * mailto:, tel:, javascript:). A download wins over outbound: a PDF on a CDN is a download.
 */
export function linkEventName(link: Link, pageHost: string): string | undefined {
  return /^https?:$/.test(link.protocol)
    ? DOWNLOAD_EXTENSIONS.test(link.pathname)
      ? 'File Download'
      : link.host !== pageHost
        ? 'Outbound Link: Click'
        : undefined
    : undefined;
}
