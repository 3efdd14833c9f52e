/**
 * The filter editor: a dialog that adds or changes one filter of the view (a dimension, an operator
 * is / is not / contains / does not contain, and values), the same chips a click on a panel row
 * adds. Values the site has for the dimension are offered as suggestions, from the Stats API.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useAsync } from '../hooks';
import {
  CHIP_OPERATORS,
  type ChipOperator,
  dimensionLabel,
  EDITOR_DIMENSIONS,
  type FilterChip,
  type FilterGroup,
  OPERATOR_LABELS,
  replaceGroup,
} from '../lib/filters';
import { breakdownQuery, query, type StatsAccess, type View } from '../stats';
import { countryName } from './panel';
import { ErrorMessage, Field } from './ui';

const PROPERTY = 'event:props:';
const PROP_NAME = /^[\w.-]{1,100}$/;

/** The site's top values of `dimension` under the view's other filters, for the values' datalist. */
function useSuggestions(access: StatsAccess, view: View, dimension: string) {
  const ready = !dimension.startsWith(PROPERTY) || PROP_NAME.test(dimension.slice(PROPERTY.length));
  return useAsync(
    () =>
      ready
        ? query(access, breakdownQuery(view, dimension, ['visitors'], 100)).then((r) =>
            r.results.map((row) => row.dimensions[0] ?? ''),
          )
        : Promise.resolve([]),
    JSON.stringify([access.domain, view.range, view.chips, dimension]),
  );
}

export function FilterEditor({
  access,
  view,
  editing,
  onApply,
  onClose,
}: {
  access: StatsAccess;
  view: View;
  /** The filter being changed, or null for a new one. */
  editing: FilterGroup | null;
  onApply(chips: FilterChip[]): void;
  onClose(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const initialDimension = editing?.dimension ?? 'event:page';
  const isProperty = initialDimension.startsWith(PROPERTY);
  const [dimension, setDimension] = useState(isProperty ? PROPERTY : initialDimension);
  const [property, setProperty] = useState(isProperty ? initialDimension.slice(PROPERTY.length) : '');
  const [op, setOp] = useState<ChipOperator>(editing?.op ?? 'is');
  const [values, setValues] = useState<string[]>(editing?.values.length ? editing.values : ['']);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  const target = dimension === PROPERTY ? `${PROPERTY}${property.trim()}` : dimension;
  // Suggestions under the other filters: the values this one would choose between.
  const others = editing ? replaceGroup(view.chips, editing, { ...editing, values: [] }) : view.chips;
  const suggestions = useSuggestions(access, { ...view, chips: others }, target);
  const listId = 'filter-editor-values';
  const display = (value: string) => (target === 'visit:country' ? countryName(value) : value);

  const apply = (event: Event) => {
    event.preventDefault();
    if (dimension === PROPERTY && !PROP_NAME.test(property.trim())) {
      setProblem('Enter the property’s name: letters, digits, “_”, “.” or “-”.');
      return;
    }
    const chosen = [...new Set(values.map((v) => v.trim()).filter((v) => v !== ''))];
    if (chosen.length === 0) {
      setProblem('Enter at least one value.');
      return;
    }
    onApply(replaceGroup(view.chips, editing, { dimension: target, op, values: chosen }));
  };

  return (
    <dialog
      ref={dialog}
      class="filter-editor"
      aria-labelledby="filter-editor-title"
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
    >
      <form method="dialog" onSubmit={apply}>
        <h2 id="filter-editor-title">{editing ? 'Edit filter' : 'Add a filter'}</h2>
        <div class="filter-editor-row">
          <Field label="Filter by">
            <select
              value={dimension}
              onChange={(e) => {
                setDimension(e.currentTarget.value);
                setValues(['']);
              }}
            >
              {EDITOR_DIMENSIONS.map((d) => (
                <option value={d} key={d}>
                  {dimensionLabel(d)}
                </option>
              ))}
              <option value={PROPERTY}>Custom property…</option>
            </select>
          </Field>
          {dimension === PROPERTY ? (
            <Field label="Property">
              <input
                value={property}
                placeholder="e.g. plan"
                onInput={(e) => setProperty(e.currentTarget.value)}
                required
              />
            </Field>
          ) : null}
          <Field label="Operator">
            <select value={op} onChange={(e) => setOp(e.currentTarget.value as ChipOperator)}>
              {CHIP_OPERATORS.map((o) => (
                <option value={o} key={o}>
                  {OPERATOR_LABELS[o]}
                </option>
              ))}
            </select>
          </Field>
        </div>
        <fieldset class="filter-values">
          <legend>
            {op === 'is' || op === 'contains' ? 'Values (any of them)' : 'Values (none of them)'}
          </legend>
          {values.map((value, i) => (
            <div class="filter-value" key={i}>
              <input
                aria-label={`Value ${i + 1}`}
                value={value}
                list={listId}
                maxLength={2000}
                placeholder={op.startsWith('contains') ? 'part of a value' : 'a value'}
                onInput={(e) => {
                  const next = [...values];
                  next[i] = e.currentTarget.value;
                  setValues(next);
                }}
              />
              {values.length > 1 ? (
                <button
                  type="button"
                  class="link-button"
                  aria-label={`Remove value ${i + 1}`}
                  onClick={() => setValues(values.filter((_, j) => j !== i))}
                >
                  ×
                </button>
              ) : null}
            </div>
          ))}
          <button type="button" class="link-button" onClick={() => setValues([...values, ''])}>
            + Add a value
          </button>
          <datalist id={listId}>
            {(suggestions.data ?? []).map((v) => (
              <option value={v} key={v}>
                {display(v)}
              </option>
            ))}
          </datalist>
        </fieldset>
        <ErrorMessage error={problem} />
        <div class="dialog-actions">
          {editing ? (
            <button
              type="button"
              class="danger"
              onClick={() => onApply(replaceGroup(view.chips, editing, { ...editing, values: [] }))}
            >
              Remove filter
            </button>
          ) : null}
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary">
            Apply
          </button>
        </div>
      </form>
    </dialog>
  );
}
