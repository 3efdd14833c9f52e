/**
 * Extensions counted as file downloads (matched on the end of the link's path, any case):
 * documents, archives, installers and media — the common ones, kept short because every byte of
 * this pattern ships to every visitor.
 */
export const DOWNLOAD_EXTENSIONS =
  /\.(pdf|docx?|xlsx?|pptx?|csv|txt|zip|rar|7z|t?gz|dmg|exe|msi|pkg|apk|iso|mp[34]|mov)$/i;

/** The parts of an `<a href>` (an `HTMLAnchorElement` is one) the classification reads. */
export interface Link {
  protocol: string;
  host: string;
  pathname: string;
}

/**
 * The event a click on `link` produces, or a falsy value for an ordinary same-site link (and for
 * mailto:, tel:, javascript:). A download wins over outbound: a PDF on a CDN is a download.
 */
export function linkEventName(anchor: Link): string | false {
  return (
    /^http/.test(anchor.protocol) &&
    (DOWNLOAD_EXTENSIONS.test(anchor.pathname)
      ? 'File Download'
      : anchor.host !== location.host && 'Outbound Link: Click')
  );
}
