import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from "react";

const control = "w-full rounded-md border border-border bg-surface px-3 py-2 text-sm";

function Wrap({ id, label, hint, children }: { id: string; label: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <div className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">{label}</label>
      {children}
      {hint ? <p id={`${id}-hint`} className="text-xs text-muted">{hint}</p> : null}
    </div>
  );
}

type Base = { id: string; label: string; hint?: ReactNode };

export function TextField({ id, label, hint, className = "", ...props }: Base & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <Wrap id={id} label={label} hint={hint}>
      <input id={id} aria-describedby={hint ? `${id}-hint` : undefined} {...props} className={`${control} ${className}`} />
    </Wrap>
  );
}

export function TextArea({ id, label, hint, ...props }: Base & TextareaHTMLAttributes<HTMLTextAreaElement>) {
  return (
    <Wrap id={id} label={label} hint={hint}>
      <textarea id={id} aria-describedby={hint ? `${id}-hint` : undefined} rows={5} {...props} className={control} />
    </Wrap>
  );
}

export function SelectField({ id, label, hint, children, ...props }: Base & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <Wrap id={id} label={label} hint={hint}>
      <select id={id} {...props} className={control}>{children}</select>
    </Wrap>
  );
}
