import type { Role } from "@/hooks/useUserRole";

export type Home = "freelancer" | "client";

/** Freelancer or client home: defaults to the user's role, switchable for people who are both. */
export function HomeSwitch({ value, onChange }: { value: Home; onChange: (home: Home) => void }) {
  const options: Home[] = ["freelancer", "client"];
  return (
    <div role="group" aria-label="Dashboard view" className="mb-4 inline-flex rounded-md border border-border">
      {options.map((home) => (
        <button key={home} type="button" aria-pressed={value === home} onClick={() => onChange(home)}
                className={`px-3 py-1 text-sm first:rounded-l-md last:rounded-r-md ${value === home ? "bg-primary text-primary-fg" : "bg-surface text-fg hover:bg-canvas"}`}>
          {home === "freelancer" ? "Freelancer home" : "Client home"}
        </button>
      ))}
    </div>
  );
}

export const homeOf = (role: Role): Home => (role === "client" ? "client" : "freelancer");
