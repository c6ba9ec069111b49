import type { NotificationKind } from "@/hooks/useNotifications";

// The kinds the API knows (KindChannels.kind); `satisfies` fails the build if one is renamed.
export const KINDS = ["message", "proposal", "contract", "mention", "reply", "ticket"] as const satisfies readonly NotificationKind[];
export const CHANNELS = ["in_app", "email", "webhook"] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_LABELS: Record<Channel, string> = { in_app: "In app", email: "Email", webhook: "Webhook" };
