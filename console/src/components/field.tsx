// Labelled form controls with an error message tied to the control (aria-describedby, aria-invalid).
import type { ComponentChildren } from 'preact';

interface Common {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  /** Marked with an asterisk (left out of the accessible name; the control says aria-required). */
  required?: boolean | undefined;
}

const Star = ({ on }: { on: boolean | undefined }) =>
  on ? (
    <span class="required" aria-hidden="true">
      *
    </span>
  ) : null;

function describedBy(p: Common): string | undefined {
  const ids = [p.hint ? `${p.id}-hint` : '', p.error ? `${p.id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function Wrapper(p: Common & { children: ComponentChildren; inline?: boolean }) {
  return (
    <div class={`field${p.inline ? ' field-inline' : ''}${p.error ? ' has-error' : ''}`}>
      {p.inline ? (
        p.children
      ) : (
        <>
          {/* The asterisk sits beside the label, not in it: the control's name stays the label's words. */}
          <div class="label-row">
            <label for={p.id}>{p.label}</label>
            <Star on={p.required} />
          </div>
          {p.children}
        </>
      )}
      {p.hint && (
        <p class="hint" id={`${p.id}-hint`}>
          {p.hint}
        </p>
      )}
      {p.error && (
        <p class="field-error" id={`${p.id}-error`}>
          {p.error}
        </p>
      )}
    </div>
  );
}

export function TextField(
  p: Common & {
    value: string;
    onInput: (value: string) => void;
    type?: 'text' | 'number' | 'date' | 'email' | 'search' | 'password' | 'tel';
    autoComplete?: string;
    placeholder?: string;
    pattern?: string;
    inputMode?: 'numeric' | 'decimal' | 'text' | 'email' | 'tel';
    step?: string;
  },
) {
  return (
    <Wrapper {...p}>
      <input
        id={p.id}
        name={p.id}
        // Preact's types tell input types apart; any of these takes the same attributes as text.
        type={(p.type ?? 'text') as 'text'}
        value={p.value}
        required={p.required}
        aria-required={p.required ? 'true' : undefined}
        placeholder={p.placeholder}
        pattern={p.pattern}
        autocomplete={p.autoComplete ?? 'off'}
        inputMode={p.inputMode}
        step={p.step}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={describedBy(p)}
        onInput={(e) => p.onInput((e.currentTarget as HTMLInputElement).value)}
      />
    </Wrapper>
  );
}

export function SelectField(
  p: Common & {
    value: string;
    options: readonly (string | readonly [string, string])[];
    onChange: (value: string) => void;
  },
) {
  return (
    <Wrapper {...p}>
      <select
        id={p.id}
        name={p.id}
        value={p.value}
        required={p.required}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={describedBy(p)}
        onChange={(e) => p.onChange((e.currentTarget as HTMLSelectElement).value)}
      >
        {p.options.map((o) => {
          const [value, text] = typeof o === 'string' ? [o, o] : o;
          return (
            <option key={value} value={value}>
              {text}
            </option>
          );
        })}
      </select>
    </Wrapper>
  );
}

export function CheckboxField(p: Common & { checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <Wrapper {...p} inline>
      <input
        id={p.id}
        name={p.id}
        type="checkbox"
        checked={p.checked}
        aria-invalid={p.error ? 'true' : undefined}
        aria-describedby={describedBy(p)}
        onChange={(e) => p.onChange((e.currentTarget as HTMLInputElement).checked)}
      />
      <label for={p.id}>{p.label}</label>
      <Star on={p.required} />
    </Wrapper>
  );
}

/** A date typed as YYYY-MM-DD whatever the browser's locale (a date input would show mm/dd/yyyy). */
export function DateField(p: Common & { value: string; onInput: (value: string) => void }) {
  return (
    <TextField
      {...p}
      hint={p.hint ?? 'YYYY-MM-DD'}
      inputMode="numeric"
      placeholder="YYYY-MM-DD"
      pattern={'\\d{4}-\\d{2}-\\d{2}'}
    />
  );
}
