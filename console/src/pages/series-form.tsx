// Create or change a series; the API's validation messages appear next to the fields they name.
import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { CheckboxField, DateField, SelectField, TextField } from '../components/field';
import { ErrorNotice } from '../components/notice';
import { Page } from '../components/page';
import { fieldErrors, type FieldErrors } from '../field-errors';
import { addDays, today } from '../format';
import { Link, navigate } from '../router';
import {
  FIELD_NAMES,
  GROUPS,
  newSeriesValues,
  SERIES_FIELDS,
  seriesBody,
  seriesValues,
  type FieldDef,
  type FormValues,
} from '../series-fields';
import type { Series } from '../types';

function Control({
  f,
  values,
  errors,
  set,
}: {
  f: FieldDef;
  values: FormValues;
  errors: FieldErrors;
  set: (name: string, v: string | boolean) => void;
}) {
  const common = {
    id: f.name,
    label: f.label,
    error: errors.fields[f.name],
    hint: f.hint,
    required: f.required,
  };
  const value = values[f.name]!;
  if (f.kind === 'bool')
    return <CheckboxField {...common} checked={value === true} onChange={(v) => set(f.name, v)} />;
  if (f.kind === 'select')
    return (
      <SelectField
        {...common}
        value={String(value)}
        options={f.options ?? []}
        onChange={(v) => set(f.name, v)}
      />
    );
  if (f.kind === 'date')
    return <DateField {...common} value={String(value)} onInput={(v) => set(f.name, v)} />;
  return (
    <TextField
      {...common}
      inputMode={f.kind === 'integer' ? 'numeric' : f.kind === 'money' ? 'decimal' : undefined}
      value={String(value)}
      onInput={(v) => set(f.name, v)}
    />
  );
}

export function SeriesForm({ id }: { id?: number }) {
  const [initial, setInitial] = useState<FormValues>();
  const [values, setValues] = useState<FormValues>();
  const [errors, setErrors] = useState<FieldErrors>({ fields: {}, form: undefined });
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (id === undefined) {
      setValues(newSeriesValues(addDays(today(), 365)));
      return;
    }
    api<{ entity: Series[] }>('GET', '/v2/coupon/series', { query: { ids: id } }).then(
      (r) => {
        const s = r.entity[0];
        if (!s) return setErrors({ fields: {}, form: `series ${id} not found` });
        setInitial(seriesValues(s));
        setValues(seriesValues(s));
      },
      (e: unknown) => setErrors(fieldErrors(e, [])),
    );
  }, [id]);

  // After a refusal, take the keyboard to the first field the API named: in the same commit as the
  // messages (a layout effect), not a frame later, so keyboard users and tests meet the field at once.
  useLayoutEffect(() => {
    const first = FIELD_NAMES.find((n) => errors.fields[n]);
    if (first) document.getElementById(first)?.focus();
  }, [errors]);

  const set = (name: string, v: string | boolean) => setValues((old) => ({ ...old, [name]: v }));

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!values) return;
    setBusy(true);
    try {
      const saved =
        id === undefined
          ? await api<Series>('POST', '/v2/coupon/series', { json: seriesBody(values) })
          : await api<Series>('PUT', `/v2/coupon/series/${id}`, { json: seriesBody(values, initial) });
      navigate(`/series/${saved.id}`);
    } catch (err) {
      setErrors(fieldErrors(err, FIELD_NAMES));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={id === undefined ? 'New series' : `Change series ${id}`}>
      {values && (
        <form class="series-form" onSubmit={submit} noValidate>
          <ErrorNotice>{errors.form}</ErrorNotice>
          {Object.keys(errors.fields).length > 0 && (
            <p class="notice notice-error" role="alert">
              The series was not saved:{' '}
              {Object.keys(errors.fields).length === 1 ? 'a field needs' : 'fields need'} attention (marked
              below).
            </p>
          )}
          <p class="hint">Fields marked * are required.</p>
          {GROUPS.map((g) => (
            <fieldset key={g}>
              <legend>{g}</legend>
              <div class="grid">
                {SERIES_FIELDS.filter((f) => f.group === g).map((f) => (
                  <Control key={f.name} f={f} values={values} errors={errors} set={set} />
                ))}
              </div>
            </fieldset>
          ))}
          <div class="form-actions">
            <button type="submit" class="primary" disabled={busy}>
              {id === undefined ? 'Create series' : 'Save changes'}
            </button>
            <Link to={id === undefined ? '/' : `/series/${id}`} class="button">
              Cancel
            </Link>
          </div>
        </form>
      )}
      {!values && <ErrorNotice>{errors.form}</ErrorNotice>}
    </Page>
  );
}
