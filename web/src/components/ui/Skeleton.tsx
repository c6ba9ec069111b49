export function Skeleton({ className = "h-4 w-full" }: { className?: string }) {
  return <div aria-hidden="true" className={`animate-pulse rounded bg-skeleton ${className}`} />;
}

/** Placeholder rows while a list loads; announced once to screen readers. */
export function SkeletonRows({ rows = 3, label = "Loading" }: { rows?: number; label?: string }) {
  return (
    <div role="status" aria-live="polite" className="space-y-3" data-testid="skeleton">
      <span className="sr-only">{label}…</span>
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} className={`h-5 ${i % 2 ? "w-2/3" : "w-full"}`} />
      ))}
    </div>
  );
}
