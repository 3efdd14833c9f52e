/**
 * The options of the tracker's own `<script>` tag (docs/tracker.md, "Options"), read once when
 * the script runs. Flags count when present, whatever their value. Module constants rather than
 * an object or parameters: the other modules read them directly, and in the built script they
 * become plain variables of its one closure, the smallest form there is.
 */
const script = document.currentScript as HTMLScriptElement;
const data = script.dataset;

/** `data-domain`: the site as registered in Edgebear; the page's hostname by default. */
export const domain = data.domain || location.hostname;
/**
 * `data-api`: where events go; `/api/event` on the script's origin by default (a `URL`, which
 * `fetch` and `sendBeacon` take as well as a string).
 */
export const api: string | URL = data.api || new URL('/api/event', script.src);
/** `data-hash`: the fragment is part of the page (hash routing). */
export const hashMode = 'hash' in data;
/** `data-canonical`: report the `<link rel="canonical">` URL. */
export const canonical = 'canonical' in data;
/** `data-local`: also send from local pages and automated browsers. */
export const allowLocal = 'local' in data;
/** `data-respect-dnt`: honour Do-Not-Track and Global Privacy Control. */
export const respectDnt = 'respectDnt' in data;
