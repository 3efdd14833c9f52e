/**
 * Saved segments of a site (`/api/sites/:id/segments`, docs/segments.md): the calls, and how a
 * segment is applied to the view. Applying one adds a segment chip, so the Stats API writes its
 * filters out on every query and an edited segment changes the views that use it.
 */
import { del, get, patch, post } from '../api';
import { type FilterChip, SEGMENT_DIMENSION, toV2Filters, type V2Filter } from './filters';

export type SegmentScope = 'personal' | 'site';

export interface Segment {
  id: number;
  name: string;
  scope: SegmentScope;
  filters: V2Filter[];
  /** Saved by the signed-in user. */
  mine: boolean;
  created_at: string;
  updated_at: string;
}

const base = (siteId: number) => `/api/sites/${siteId}/segments`;

export async function listSegments(siteId: number): Promise<Segment[]> {
  return (await get<{ segments: Segment[] }>(base(siteId))).segments;
}

export async function saveSegment(
  siteId: number,
  body: { name: string; scope: SegmentScope; filters: V2Filter[] },
): Promise<Segment> {
  return (await post<{ segment: Segment }>(base(siteId), body)).segment;
}

export async function updateSegment(
  siteId: number,
  id: number,
  body: Partial<{ name: string; scope: SegmentScope; filters: V2Filter[] }>,
): Promise<Segment> {
  return (await patch<{ segment: Segment }>(`${base(siteId)}/${id}`, body)).segment;
}

export async function deleteSegment(siteId: number, id: number): Promise<void> {
  await del(`${base(siteId)}/${id}`);
}

/**
 * The view of one segment: its chip alone, as Plausible opens a segment. Filters added afterwards
 * narrow it further.
 */
export function applySegment(segment: Pick<Segment, 'id'>): FilterChip[] {
  return [{ dimension: SEGMENT_DIMENSION, value: String(segment.id) }];
}

/**
 * What "save as segment" stores for the view: the filters of an applied segment written out (a
 * segment cannot name another), then the view's own filters.
 */
export function filtersToSave(chips: readonly FilterChip[], segments: readonly Segment[]): V2Filter[] {
  const applied = chips
    .filter((c) => c.dimension === SEGMENT_DIMENSION)
    .flatMap((c) => segments.find((s) => String(s.id) === c.value)?.filters ?? []);
  return [...applied, ...toV2Filters(chips.filter((c) => c.dimension !== SEGMENT_DIMENSION))];
}

/** The segment's name for a chip, or "#12" when it is not in the list (a shared view, a deleted one). */
export function segmentName(segments: readonly Segment[], id: string): string {
  return segments.find((s) => String(s.id) === id)?.name ?? `#${id}`;
}
