"use client";

import { useQuery } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";

import { useProbedRole } from "@/hooks/useProbedRole";
import { api, unwrap } from "@/lib/api/client";
import { ApiError } from "@/lib/api/problem";
import type { components } from "@/lib/api/schema";

export type Space = components["schemas"]["SpaceOut"];
export type Thread = components["schemas"]["ThreadOut"];
export type Post = components["schemas"]["PostOut"];
export type CommunityEvent = components["schemas"]["api__community__schemas__EventOut"];
export type Report = components["schemas"]["api__community__schemas__ReportOut"];
export type Emoji = components["schemas"]["ReactionIn"]["emoji"];

/** The API's fixed reaction set, with what a screen reader should say for each. */
export const REACTIONS: { emoji: Emoji; glyph: string; label: string }[] = [
  { emoji: "+1", glyph: "👍", label: "thumbs up" },
  { emoji: "-1", glyph: "👎", label: "thumbs down" },
  { emoji: "heart", glyph: "❤️", label: "heart" },
  { emoji: "laugh", glyph: "😄", label: "laugh" },
  { emoji: "hooray", glyph: "🎉", label: "hooray" },
  { emoji: "eyes", glyph: "👀", label: "eyes" },
  { emoji: "rocket", glyph: "🚀", label: "rocket" },
  { emoji: "confused", glyph: "😕", label: "confused" },
];

export function useSpaces() {
  return useQuery({ queryKey: ["community", "spaces"], queryFn: async () => unwrap(await api.GET("/v1/community/spaces")) });
}

/** Moderators are admins and the users an admin named. */
export function useIsModerator(): boolean {
  return useProbedRole("moderator", () => api.GET("/v1/community/moderation/reports", { params: { query: { limit: 1 } } }));
}

/** Tags as the API takes them, from what a person types: "#Solidity, audits" -> ["solidity", "audits"]. */
export function parseTags(text: string): string[] {
  return text.split(/[\s,]+/).map((t) => t.replace(/^#/, "").toLowerCase()).filter(Boolean);
}

/** The viewer's IANA time zone (the API renders event times in it). */
export function viewerTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

const noSubscription = () => () => undefined;

/** The viewer's time zone once in the browser (null while rendering on the server, which has another). */
export function useTimeZone(): string | null {
  return useSyncExternalStore(noSubscription, viewerTimeZone, () => null);
}

/** An instant shown in the viewer's time zone, with the zone named so nobody has to guess. */
export function localTime(iso: string, timeZone = viewerTimeZone()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat("en-GB", {
    timeZone, weekday: "short", year: "numeric", month: "short", day: "numeric",
    hour: "2-digit", minute: "2-digit", timeZoneName: "short",
  }).format(date);
}

/** Who wrote it, as far as the API says (ids only): "you" for the viewer's own texts. */
export function authorLabel(authorId: string | null | undefined, meId: string | undefined): string {
  if (!authorId) return "a deleted account";
  if (authorId === meId) return "you";
  return `member ${authorId.slice(0, 8)}`;
}

export const isTokenGated = (error: unknown): error is ApiError =>
  error instanceof ApiError && (error.type ?? "").endsWith("token-gated");
