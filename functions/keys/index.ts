import { Hono } from 'hono';
import { type AuthEnv, requireCsrf, requireSession, requireVerifiedEmail } from '../auth/middleware';
import { hashToken, randomToken } from '../auth/tokens';
import { ApiError } from '../errors';
import { ownedSite } from '../sites/store';
import { jsonObject } from '../sites/validate';
import { KEY_PREFIX, parseScopes, SCOPES, type Scope, VISIBLE_CHARS, verifyApiKey } from './verify';

const MAX_NAME_LENGTH = 100;
/** Active keys per billing profile; generous for integrations, small enough to list on one page. */
const MAX_ACTIVE_KEYS = 50;

interface KeyRow {
  id: number;
  name: string;
  prefix: string;
  site_id: number | null;
  scopes: string;
  created_at: number;
  last_used_at: number | null;
}

/** A key as its owner sees it in lists: never the secret, never its hash. */
function keyJson(row: KeyRow) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    site_id: row.site_id,
    scopes: parseScopes(row.scopes),
    created_at: new Date(row.created_at * 1000).toISOString(),
    last_used_at: row.last_used_at === null ? null : new Date(row.last_used_at * 1000).toISOString(),
  };
}

function parseName(value: unknown): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || /\p{Cc}/u.test(name)) {
    throw new ApiError(
      400,
      'invalid_name',
      `name is required: 1 to ${MAX_NAME_LENGTH} characters, no control characters`,
    );
  }
  return name;
}

function parseScopeList(value: unknown): Scope[] {
  if (value === undefined) return [...SCOPES];
  const valid =
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((scope) => typeof scope === 'string' && (SCOPES as readonly string[]).includes(scope));
  if (!valid) {
    throw new ApiError(400, 'invalid_scopes', `scopes must be a non-empty subset of ${SCOPES.join(', ')}`);
  }
  return SCOPES.filter((scope) => (value as string[]).includes(scope));
}

/**
 * /api/keys: API keys for the Stats API and server-side events. Managing keys needs a session
 * (and CSRF on changes); `whoami` is the one route that takes the key itself.
 */
export const keyRoutes = new Hono<AuthEnv>();

keyRoutes.get('/whoami', async (c) => {
  const key = await verifyApiKey(c.env.DB, c.req.header('authorization'));
  if (!key) {
    throw new ApiError(401, 'unauthorized', 'send a valid API key as "Authorization: Bearer eb_live_…"');
  }
  return c.json({ key: { id: key.keyId, site_id: key.siteId, scopes: key.scopes } });
});

keyRoutes.post('/', requireSession, requireCsrf, requireVerifiedEmail, async (c) => {
  const billingProfileId = c.get('account').billingProfileId;
  const body = await jsonObject(c.req.raw);
  const name = parseName(body.name);
  const scopes = parseScopeList(body.scopes);
  let siteId: number | null = null;
  if (body.site_id !== undefined && body.site_id !== null) {
    if (!Number.isSafeInteger(body.site_id)) {
      throw new ApiError(400, 'invalid_site_id', 'site_id must be the id of one of your sites, or null');
    }
    // Someone else's site is a 404, the same as a missing one.
    siteId = (await ownedSite(c.env.DB, billingProfileId, String(body.site_id))).id;
  }
  const active = await c.env.DB.prepare(
    'SELECT count(*) AS n FROM api_keys WHERE billing_profile_id = ?1 AND revoked_at IS NULL',
  )
    .bind(billingProfileId)
    .first<{ n: number }>();
  if ((active?.n ?? 0) >= MAX_ACTIVE_KEYS) {
    throw new ApiError(409, 'too_many_keys', `revoke a key first: at most ${MAX_ACTIVE_KEYS} active keys`);
  }
  const secret = `${KEY_PREFIX}${randomToken(32)}`;
  const row = await c.env.DB.prepare(
    `INSERT INTO api_keys (billing_profile_id, site_id, name, prefix, secret_hash, scopes, created_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     RETURNING id, name, prefix, site_id, scopes, created_at, last_used_at`,
  )
    .bind(
      billingProfileId,
      siteId,
      name,
      secret.slice(0, KEY_PREFIX.length + VISIBLE_CHARS),
      await hashToken(secret),
      scopes.join(','),
      Math.floor(Date.now() / 1000),
    )
    .first<KeyRow>();
  if (!row) throw new Error('api key insert returned no row');
  // The only time the secret leaves the Worker: it is not stored, so it cannot be shown again.
  return c.json({ key: { ...keyJson(row), secret } }, 201);
});

keyRoutes.get('/', requireSession, async (c) => {
  const result = await c.env.DB.prepare(
    `SELECT id, name, prefix, site_id, scopes, created_at, last_used_at FROM api_keys
      WHERE billing_profile_id = ?1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC`,
  )
    .bind(c.get('account').billingProfileId)
    .all<KeyRow>();
  return c.json({ keys: result.results.map(keyJson) });
});

keyRoutes.delete('/:id', requireSession, requireCsrf, async (c) => {
  const param = c.req.param('id');
  const id = /^[1-9]\d{0,9}$/.test(param) ? Number(param) : 0;
  const now = Math.floor(Date.now() / 1000);
  const row = await c.env.DB.prepare(
    `UPDATE api_keys SET revoked_at = ?3 WHERE id = ?1 AND billing_profile_id = ?2 AND revoked_at IS NULL
     RETURNING id`,
  )
    .bind(id, c.get('account').billingProfileId, now)
    .first<{ id: number }>();
  if (!row) throw new ApiError(404, 'not_found', 'no such key');
  return c.json({ revoked: { id: row.id, revoked_at: new Date(now * 1000).toISOString() } });
});
