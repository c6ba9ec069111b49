/**
 * Pending and confirmed must differ in more than colour: the word, the border style and an icon
 * tell them apart for colour-blind users and screen readers too.
 */
export function ConfirmationBadge({ confirmed }: { confirmed: boolean }) {
  return confirmed ? (
    <span className="inline-flex items-center gap-1 rounded-full border border-success bg-success-tint px-2 py-0.5 text-xs font-medium text-success-ink"
          data-status="confirmed">
      <span aria-hidden="true">✓</span> Confirmed
    </span>
  ) : (
    <span className="inline-flex items-center gap-1 rounded-full border border-dashed border-warning bg-warning-tint px-2 py-0.5 text-xs font-medium text-warning-ink"
          data-status="pending">
      <span aria-hidden="true">◷</span> Pending
    </span>
  );
}

export function StateBadge({ state }: { state: string }) {
  return (
    <span className="inline-flex rounded-full border border-border bg-canvas px-2 py-0.5 text-xs font-medium text-fg">
      {state.replaceAll("_", " ").toLowerCase()}
    </span>
  );
}
