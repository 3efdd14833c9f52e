import { track } from './send';

/**
 * A click (`click`, or `auxclick` for the middle button) somewhere in the page: on a link to a
 * file it sends `File Download`, on a link to another host `Outbound Link: Click`, both with the
 * link's `href` as `props.url`; a download wins over outbound (a PDF on a CDN is a download).
 * Ordinary same-site links, links without `href` and non-http links (mailto:, tel:,
 * javascript:) send nothing, nor does the right button.
 */
export function trackLinkClick(event: MouseEvent): void {
  // No href: protocol ":" and no host, so it fails the http test.
  const link = (event.target as Element).closest?.<HTMLAnchorElement>('a');
  const name =
    link &&
    event.button < 2 &&
    /^http/.test(link.protocol) &&
    // Extensions counted as downloads, at the end of the path, any case: documents, archives,
    // installers and media — the common ones, kept short because every byte ships to every visitor.
    (/\.(pdf|docx?|xlsx?|pptx?|csv|txt|zip|rar|7z|t?gz|dmg|exe|msi|pkg|apk|iso|mp[34]|mov)$/i.test(
      link.pathname,
    )
      ? 'File Download'
      : link.host !== location.host && 'Outbound Link: Click');
  if (name) track(name, { props: { url: (link as HTMLAnchorElement).href } });
}
