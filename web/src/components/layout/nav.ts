import type { Role } from "@/hooks/useUserRole";

/** A role a domain grants (see useProbedRole): the item shows only to its holders. */
export type GrantedRole = "moderator" | "agent";
export type NavItem = { href: string; label: string; signedIn?: boolean; roles?: Role[]; only?: GrantedRole };
export type NavSection = { title: string; items: NavItem[] };

export const NAV: NavSection[] = [
  {
    title: "Work",
    items: [
      { href: "/dashboard", label: "Dashboard", signedIn: true },
      { href: "/projects", label: "Projects" },
      { href: "/matching", label: "Matches", signedIn: true, roles: ["freelancer"] },
      { href: "/contracts", label: "Contracts", signedIn: true },
      { href: "/orgs", label: "Organizations", signedIn: true },
      { href: "/messages", label: "Messages", signedIn: true },
      { href: "/notifications", label: "Notifications", signedIn: true },
      { href: "/transactions", label: "Transactions", signedIn: true },
    ],
  },
  {
    title: "Platform",
    items: [
      { href: "/reputation", label: "Reputation", signedIn: true },
      { href: "/token", label: "LNC: stake and rewards", signedIn: true },
      { href: "/skills/verify", label: "Skill verification", signedIn: true, roles: ["freelancer"] },
      { href: "/attestations", label: "Attestations" },
      { href: "/sustainability", label: "Sustainability" },
      { href: "/developers", label: "Developers", signedIn: true },
    ],
  },
  {
    title: "Community",
    items: [
      { href: "/community", label: "Discussions" },
      { href: "/community/events", label: "Events" },
      { href: "/support", label: "Support" },
      { href: "/community/moderation", label: "Moderation", signedIn: true, only: "moderator" },
      { href: "/support/queue", label: "Support queue", signedIn: true, only: "agent" },
    ],
  },
  {
    title: "Settings",
    items: [
      { href: "/profile", label: "Profile", signedIn: true },
      { href: "/settings/security", label: "Security", signedIn: true },
      { href: "/settings/privacy", label: "Privacy", signedIn: true },
    ],
  },
];

/** Human labels of path segments, for breadcrumbs. */
export const SEGMENT_LABELS: Record<string, string> = {
  dashboard: "Dashboard",
  sustainability: "Sustainability",
  settings: "Settings",
  security: "Security",
  privacy: "Privacy",
  escrows: "Escrows",
  projects: "Projects",
  new: "New",
  edit: "Edit",
  contracts: "Contracts",
  messages: "Messages",
  transactions: "Transactions",
  profile: "Profile",
  profiles: "Profiles",
  reputation: "Reputation",
  attestations: "Attestations",
  developers: "Developers",
  notifications: "Notifications",
  matching: "Matches",
  skills: "Skills",
  verify: "Verification",
  community: "Community",
  events: "Events",
  support: "Support",
  moderation: "Moderation",
  orgs: "Organizations",
  token: "LNC",
  queue: "Queue",
};
