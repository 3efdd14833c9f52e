/**
 * Build-time feature switches. scripts/build-tracker.ts replaces them with `true`/`false`
 * (esbuild `define`), so each variant carries only the code it uses.
 */
/** Engagement events: max scroll depth and engaged time per page view. */
declare const FEATURE_ENGAGEMENT: boolean;
/** Outbound-link and file-download clicks. */
declare const FEATURE_CLICKS: boolean;
/** Web vitals and navigation timing. */
declare const FEATURE_PERFORMANCE: boolean;
