/** The date-range picker, and the filter bar above the dashboard: editor, segments, chips. */
import { useState } from 'preact/hooks';
import { useAsync } from '../hooks';
import { type DateRange, isIsoDate, PERIODS, type Period, rangeLabel } from '../lib/date-range';
import {
  chipGroups,
  chipOperator,
  dimensionLabel,
  type FilterChip,
  type FilterGroup,
  OPERATOR_LABELS,
  removeChip,
  SEGMENT_DIMENSION,
} from '../lib/filters';
import { listSegments, type Segment, segmentName } from '../lib/segments';
import type { StatsAccess, View } from '../stats';
import { FilterEditor } from './filter-editor';
import { countryName } from './panel';
import { SegmentMenu } from './segments';

export function RangePicker({ range, onChange }: { range: DateRange; onChange(range: DateRange): void }) {
  const today = new Date().toISOString().slice(0, 10);
  const [from, setFrom] = useState(range.from ?? today);
  const [to, setTo] = useState(range.to ?? today);
  const [custom, setCustom] = useState(range.period === 'custom');
  const valid = isIsoDate(from) && isIsoDate(to) && from <= to;

  return (
    <div class="range-picker">
      <label class="field inline">
        <span class="field-label">Date range</span>
        <select
          value={custom ? 'custom' : range.period}
          onChange={(e) => {
            const period = (e.currentTarget as HTMLSelectElement).value as Period;
            if (period === 'custom') setCustom(true);
            else {
              setCustom(false);
              onChange({ period });
            }
          }}
        >
          {PERIODS.map((p) => (
            <option value={p} key={p}>
              {rangeLabel({ period: p })}
            </option>
          ))}
        </select>
      </label>
      {custom ? (
        <form
          class="custom-range"
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) onChange({ period: 'custom', from, to });
          }}
        >
          <label class="field inline">
            <span class="field-label">From</span>
            <input type="date" value={from} max={to} onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label class="field inline">
            <span class="field-label">To</span>
            <input type="date" value={to} min={from} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
          <button type="submit" disabled={!valid}>
            Apply
          </button>
        </form>
      ) : null}
    </div>
  );
}

/** "Page is not /pricing", "Country is Germany", "Segment: US mobile". */
export function chipText(chip: FilterChip, segments: readonly Segment[] = []): string {
  if (chip.dimension === SEGMENT_DIMENSION) return `Segment: ${segmentName(segments, chip.value)}`;
  const value = chip.dimension === 'visit:country' ? countryName(chip.value) : chip.value || '(none)';
  return `${dimensionLabel(chip.dimension)} ${OPERATOR_LABELS[chipOperator(chip)]} ${value}`;
}

export function FilterChips({
  chips,
  segments = [],
  onRemove,
  onEdit,
}: {
  chips: FilterChip[];
  segments?: readonly Segment[];
  onRemove(chip: FilterChip): void;
  /** Opens the editor on the chip's filter (every chip of its dimension and operator). */
  onEdit?(chip: FilterChip): void;
}) {
  if (chips.length === 0) return null;
  return (
    <ul class="chips" aria-label="Active filters">
      {chips.map((chip) => (
        <li class="chip" key={`${chip.dimension}${chipOperator(chip)}~${chip.value}`}>
          {onEdit && chip.dimension !== SEGMENT_DIMENSION ? (
            <button type="button" class="chip-text" title="Edit this filter" onClick={() => onEdit(chip)}>
              {chipText(chip, segments)}
            </button>
          ) : (
            <span>{chipText(chip, segments)}</span>
          )}
          <button
            type="button"
            aria-label={`Remove filter: ${chipText(chip, segments)}`}
            onClick={() => onRemove(chip)}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}

/**
 * The filters of the view: the "Filter" button (the editor), the segments menu on an owner's
 * dashboard (`siteId`), and the chips, each of which opens the editor or goes away.
 */
export function FilterBar({
  access,
  view,
  siteId,
  onChange,
}: {
  access: StatsAccess;
  view: View;
  siteId?: number;
  onChange(chips: FilterChip[]): void;
}) {
  const [editing, setEditing] = useState<FilterGroup | 'new' | null>(null);
  const segments = useAsync(
    () => (siteId === undefined ? Promise.resolve([]) : listSegments(siteId)),
    String(siteId ?? ''),
  );
  const list = segments.data ?? [];
  const edit = (chip: FilterChip) =>
    setEditing(
      chipGroups(view.chips).find((g) => g.dimension === chip.dimension && g.op === chipOperator(chip)) ??
        null,
    );
  return (
    <div class="filter-bar">
      <div class="filter-actions">
        <button type="button" onClick={() => setEditing('new')}>
          + Filter
        </button>
        {siteId === undefined ? null : (
          <SegmentMenu
            siteId={siteId}
            chips={view.chips}
            segments={list}
            error={segments.error}
            onApply={onChange}
            onChanged={segments.reload}
          />
        )}
        {view.chips.length > 0 ? (
          <button type="button" class="link-button" onClick={() => onChange([])}>
            Clear filters
          </button>
        ) : null}
      </div>
      <FilterChips
        chips={view.chips}
        segments={list}
        onEdit={edit}
        onRemove={(chip) => onChange(removeChip(view.chips, chip))}
      />
      {editing === null ? null : (
        <FilterEditor
          access={access}
          view={view}
          editing={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onApply={(chips) => {
            setEditing(null);
            onChange(chips);
          }}
        />
      )}
    </div>
  );
}
