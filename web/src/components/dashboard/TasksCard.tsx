import Link from "next/link";

import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import type { FreelancerDashboard } from "@/hooks/useDashboard";
import { formatDate } from "@/lib/market/format";

type Task = FreelancerDashboard["tasks"][number];

const LABELS: Record<string, string> = {
  submit_milestone: "Submit",
  proposal_awaiting_answer: "Proposal awaiting an answer",
};

export function TasksCard({ tasks }: { tasks: Task[] }) {
  return (
    <Card title="Tasks" id="tasks">
      {tasks.length === 0 ? <EmptyState>Nothing waits for you.</EmptyState> : (
        <ul className="divide-y divide-border text-sm">
          {tasks.map((t) => (
            <li key={t.ref} className="py-2" data-testid="task">
              <span className="mr-2 text-muted">{LABELS[t.kind] ?? t.kind.replaceAll("_", " ")}:</span>{t.title}
              {t.due_at ? <span className="block text-xs text-muted">due {formatDate(t.due_at)}</span> : null}
            </li>
          ))}
        </ul>
      )}
      <p className="mt-2 text-xs"><Link href="/contracts" className="text-primary underline">All contracts</Link></p>
    </Card>
  );
}
