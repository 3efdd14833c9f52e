/**
 * The floor of the ingest benchmark (scripts/bench/ingest.ts): a Worker that does nothing but
 * answer 202, run by the same `wrangler dev` on the same machine as Edgebear, so the ratio of the
 * two measures what Edgebear adds to the runtime, not the runtime itself.
 */
export default {
  fetch(): Response {
    return new Response('ok', { status: 202 });
  },
} satisfies ExportedHandler;
