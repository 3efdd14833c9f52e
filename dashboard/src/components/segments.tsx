/**
 * Saved segments on the owner's dashboard: a menu that lists the site's segments and the user's
 * own (one click applies one), renames and deletes them, and saves the view's filters under a
 * name, for the user alone or for everyone with the site (docs/segments.md).
 */
import { useState } from 'preact/hooks';
import { type FilterChip, SEGMENT_DIMENSION } from '../lib/filters';
import {
  applySegment,
  deleteSegment,
  filtersToSave,
  type Segment,
  type SegmentScope,
  saveSegment,
  updateSegment,
} from '../lib/segments';
import { ErrorMessage, Field } from './ui';

function SaveForm({
  siteId,
  chips,
  segments,
  onSaved,
}: {
  siteId: number;
  chips: FilterChip[];
  segments: Segment[];
  onSaved(segment: Segment): void;
}) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<SegmentScope>('personal');
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="segment-save"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        saveSegment(siteId, { name: name.trim(), scope, filters: filtersToSave(chips, segments) })
          .then(onSaved, (err: unknown) => setError(err instanceof Error ? err : new Error(String(err))))
          .finally(() => setBusy(false));
      }}
    >
      <Field label="Save these filters as">
        <input
          value={name}
          maxLength={255}
          required
          placeholder="e.g. US mobile visitors"
          onInput={(e) => setName(e.currentTarget.value)}
        />
      </Field>
      <fieldset class="segment-scope">
        <legend>Visible to</legend>
        <label>
          <input
            type="radio"
            name="segment-scope"
            checked={scope === 'personal'}
            onChange={() => setScope('personal')}
          />{' '}
          Only me
        </label>
        <label>
          <input
            type="radio"
            name="segment-scope"
            checked={scope === 'site'}
            onChange={() => setScope('site')}
          />{' '}
          Everyone with access to this site
        </label>
      </fieldset>
      <ErrorMessage error={error} />
      <button type="submit" class="primary" disabled={busy || name.trim() === ''}>
        Save segment
      </button>
    </form>
  );
}

/** A segment's name, edited in place; Escape or Cancel leaves it as it was. */
function RenameForm({
  siteId,
  segment,
  onDone,
}: {
  siteId: number;
  segment: Segment;
  onDone(renamed: boolean): void;
}) {
  const [name, setName] = useState(segment.name);
  const [error, setError] = useState<Error | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="segment-rename"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        updateSegment(siteId, segment.id, { name: name.trim() })
          .then(
            () => onDone(true),
            (err: unknown) => setError(err instanceof Error ? err : new Error(String(err))),
          )
          .finally(() => setBusy(false));
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onDone(false);
      }}
    >
      <Field label={`New name for ${segment.name}`}>
        <input value={name} maxLength={255} required onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <ErrorMessage error={error} />
      <button
        type="submit"
        class="primary"
        disabled={busy || name.trim() === '' || name.trim() === segment.name}
      >
        Rename
      </button>
      <button type="button" class="link-button" onClick={() => onDone(false)}>
        Cancel
      </button>
    </form>
  );
}

export function SegmentMenu({
  siteId,
  chips,
  segments,
  error,
  onApply,
  onChanged,
}: {
  siteId: number;
  chips: FilterChip[];
  segments: Segment[];
  error: Error | null;
  onApply(chips: FilterChip[]): void;
  /** After a save or delete: reload the list. */
  onChanged(): void;
}) {
  const [open, setOpen] = useState(false);
  const [problem, setProblem] = useState<Error | null>(null);
  // A delete is asked twice in place (no browser dialog): the first click arms it.
  const [armed, setArmed] = useState<number | null>(null);
  const [renaming, setRenaming] = useState<number | null>(null);
  const remove = (segment: Segment) => {
    if (armed !== segment.id) {
      setArmed(segment.id);
      return;
    }
    setArmed(null);
    deleteSegment(siteId, segment.id).then(
      () => {
        // A view of the deleted segment would only answer errors: it goes with it.
        const left = chips.filter(
          (c) => !(c.dimension === SEGMENT_DIMENSION && c.value === String(segment.id)),
        );
        if (left.length !== chips.length) onApply(left);
        onChanged();
      },
      (err: unknown) => setProblem(err instanceof Error ? err : new Error(String(err))),
    );
  };
  return (
    <div class="segment-menu">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Segments{segments.length > 0 ? ` (${segments.length})` : ''}
      </button>
      {open ? (
        <section class="popover" aria-label="Segments">
          <ErrorMessage error={error ?? problem} />
          {segments.length === 0 ? (
            <p class="hint">No saved segments yet. Filter the dashboard, then save the filters here.</p>
          ) : (
            <ul class="segment-list">
              {segments.map((segment) =>
                renaming === segment.id ? (
                  <li key={segment.id}>
                    <RenameForm
                      siteId={siteId}
                      segment={segment}
                      onDone={(renamed) => {
                        setRenaming(null);
                        if (renamed) onChanged();
                      }}
                    />
                  </li>
                ) : (
                  <li key={segment.id}>
                    <button
                      type="button"
                      class="link-button"
                      onClick={() => {
                        onApply(applySegment(segment));
                        setOpen(false);
                      }}
                    >
                      {segment.name}
                    </button>
                    <span class="hint">{segment.scope === 'site' ? 'site' : 'personal'}</span>
                    <button
                      type="button"
                      class="link-button"
                      aria-label={`Rename segment ${segment.name}`}
                      onClick={() => {
                        setArmed(null);
                        setRenaming(segment.id);
                      }}
                    >
                      Rename
                    </button>
                    <button
                      type="button"
                      class="link-button"
                      aria-label={
                        armed === segment.id
                          ? `Really delete segment ${segment.name}`
                          : `Delete segment ${segment.name}`
                      }
                      onClick={() => remove(segment)}
                    >
                      {armed === segment.id ? 'Really delete?' : 'Delete'}
                    </button>
                  </li>
                ),
              )}
            </ul>
          )}
          {chips.length > 0 ? (
            <SaveForm
              siteId={siteId}
              chips={chips}
              segments={segments}
              onSaved={(segment) => {
                onChanged();
                onApply(applySegment(segment));
                setOpen(false);
              }}
            />
          ) : (
            <p class="hint">Add filters to save them as a segment.</p>
          )}
        </section>
      ) : null}
    </div>
  );
}
