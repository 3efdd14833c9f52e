/**
 * /api/sites/:id/segments: a site's saved segments (named sets of Stats API v2 filters). Same doors
 * as the other site settings (functions/alerts, functions/sites): a signed-in session of the site's
 * billing profile (which is what write access to a site is today), the CSRF header on changes,
 * another tenant's site a 404. A personal segment exists only for the user who saved it: to anyone
 * else it is a 404 like a missing one. The Stats API applies segments in functions/segments/expand.ts.
 */
import { type Context, Hono } from 'hono';
import { type AuthEnv, requireCsrf, requireSession } from '../auth/middleware';
import { ApiError } from '../errors';
import { ownedSite } from '../sites/store';
import { jsonObject } from '../sites/validate';
import {
  createSegment,
  deleteSegment,
  listSegments,
  type SegmentRow,
  segmentJson,
  updateSegment,
  visibleSegment,
} from './store';
import { MAX_SEGMENTS_PER_SITE, parseSegmentInput, type SegmentInput } from './validate';

/** Mounted at `/api/sites/:id/segments`. */
export const segmentRoutes = new Hono<AuthEnv>();

segmentRoutes.use('*', requireSession);

const notFound = () => new ApiError(404, 'not_found', 'no such segment');

/** The segment `:segmentId` of an owned site, as the caller may see it; else 404. */
async function findSegment(c: Context<AuthEnv>): Promise<SegmentRow> {
  const account = c.get('account');
  const site = await ownedSite(c.env.DB, account.billingProfileId, c.req.param('id') ?? '');
  const param = c.req.param('segmentId') ?? '';
  const id = /^[1-9]\d{0,9}$/.test(param) ? Number(param) : 0;
  const row = id > 0 && id <= 2 ** 31 ? await visibleSegment(c.env.DB, site.id, account.userId, id) : null;
  if (!row) throw notFound();
  return row;
}

segmentRoutes.get('/', async function listSiteSegments(c) {
  const account = c.get('account');
  const site = await ownedSite(c.env.DB, account.billingProfileId, c.req.param('id') ?? '');
  const rows = await listSegments(c.env.DB, site.id, account.userId);
  return c.json({ segments: rows.map((row) => segmentJson(row, account.userId)) });
});

segmentRoutes.post('/', requireCsrf, async function createSiteSegment(c) {
  const account = c.get('account');
  const site = await ownedSite(c.env.DB, account.billingProfileId, c.req.param('id') ?? '');
  const input = parseSegmentInput(await jsonObject(c.req.raw), false) as Required<SegmentInput>;
  const row = await createSegment(c.env.DB, site.id, account.userId, input, Date.now());
  if (!row) {
    throw new ApiError(
      409,
      'too_many_segments',
      `a site keeps at most ${MAX_SEGMENTS_PER_SITE} segments; delete one first`,
    );
  }
  return c.json({ segment: segmentJson(row, account.userId) }, 201);
});

segmentRoutes.get('/:segmentId', async function getSiteSegment(c) {
  const row = await findSegment(c);
  return c.json({ segment: segmentJson(row, c.get('account').userId) });
});

// Partial: what the body leaves out stays as it is; an invalid body changes nothing.
segmentRoutes.patch('/:segmentId', requireCsrf, async function updateSiteSegment(c) {
  const row = await findSegment(c);
  const userId = c.get('account').userId;
  const changes = parseSegmentInput(await jsonObject(c.req.raw), true);
  // A site segment made personal would vanish for everyone else; only whoever saved it may.
  if (row.scope === 'site' && changes.scope === 'personal' && row.created_by !== userId) {
    throw new ApiError(403, 'forbidden', 'only whoever saved a site segment can make it personal');
  }
  const updated = await updateSegment(c.env.DB, row, changes, Date.now());
  if (!updated) throw notFound();
  return c.json({ segment: segmentJson(updated, userId) });
});

segmentRoutes.delete('/:segmentId', requireCsrf, async function deleteSiteSegment(c) {
  const row = await findSegment(c);
  await deleteSegment(c.env.DB, row);
  return c.json({ deleted: { id: row.id } });
});
