/** The date-range picker and the filter chips above the dashboard. */
import { useState } from 'preact/hooks';
import { type DateRange, isIsoDate, PERIODS, type Period, rangeLabel } from '../lib/date-range';
import { dimensionLabel, type FilterChip } from '../lib/filters';
import { countryName } from './panel';

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

export function chipText(chip: FilterChip): string {
  const value = chip.dimension === 'visit:country' ? countryName(chip.value) : chip.value || '(none)';
  return `${dimensionLabel(chip.dimension)} is ${value}`;
}

export function FilterChips({ chips, onRemove }: { chips: FilterChip[]; onRemove(chip: FilterChip): void }) {
  if (chips.length === 0) return null;
  return (
    <ul class="chips" aria-label="Active filters">
      {chips.map((chip) => (
        <li class="chip" key={`${chip.dimension}~${chip.value}`}>
          <span>{chipText(chip)}</span>
          <button
            type="button"
            aria-label={`Remove filter: ${chipText(chip)}`}
            onClick={() => onRemove(chip)}
          >
            ×
          </button>
        </li>
      ))}
    </ul>
  );
}
