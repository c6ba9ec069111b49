"use client";

import { NotificationList } from "@/components/notifications/NotificationList";
import { Preferences } from "@/components/notifications/Preferences";
import { PageHeader } from "@/components/ui/Card";
import { RequireSignIn } from "@/components/wallet/RequireSignIn";

export default function NotificationsPage() {
  return (
    <RequireSignIn>
      <PageHeader title="Notifications">Proposals, contracts, messages and replies that concern you.</PageHeader>
      <div className="grid gap-gutter xl:grid-cols-[2fr_1fr]">
        <NotificationList />
        <Preferences />
      </div>
    </RequireSignIn>
  );
}
