import Link from "next/link";

import { Card } from "@/components/ui/Card";
import { EmptyState } from "@/components/ui/States";
import type { ClientDashboard } from "@/hooks/useDashboard";

export function OrgsCard({ data }: { data: ClientDashboard }) {
  return (
    <Card title="Organizations" id="orgs">
      {data.organizations.length === 0 ? <EmptyState>You belong to no organization.</EmptyState> : (
        <ul className="divide-y divide-border text-sm">
          {data.organizations.map((o) => (
            <li key={o.id} className="flex justify-between py-2" data-testid="org-row">
              <span><Link href={`/orgs/${o.slug}`} className="text-primary underline">{o.name}</Link> <span className="text-muted">({o.role})</span></span><span className="text-muted">{o.projects} projects</span>
            </li>
          ))}
        </ul>
      )}
      <p className="mt-2 text-sm text-muted">Unread messages: <span data-testid="client-unread">{data.unread_messages}</span></p>
    </Card>
  );
}
