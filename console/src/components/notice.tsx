// Messages for the operator: errors are announced at once (role=alert), progress politely (role=status).
import type { ComponentChildren } from 'preact';

export function ErrorNotice({ children }: { children: ComponentChildren }) {
  if (!children) return null;
  return (
    <p class="notice notice-error" role="alert">
      {children}
    </p>
  );
}

export function StatusNotice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice notice-status" role="status">
      {children}
    </p>
  );
}
