"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "@/lib/api/client";
import type { components } from "@/lib/api/schema";
import { useSession } from "./useSession";

export type Notification = components["schemas"]["NotificationOut"];
export type KindChannels = components["schemas"]["KindChannels"];
export type NotificationKind = KindChannels["kind"];

/** My unread notification count, for the bell; polled (notifications are written by a background consumer). */
export function useNotificationCount() {
  const session = useSession();
  return useQuery({
    queryKey: ["notifications", "count"],
    queryFn: async () => unwrap(await api.GET("/v1/notifications/unread-count")),
    enabled: session !== null,
    refetchInterval: 15_000,
  });
}

export function useNotifications(unread: boolean, kind: NotificationKind | null) {
  return useQuery({
    queryKey: ["notifications", "list", unread, kind],
    queryFn: async () => unwrap(await api.GET("/v1/notifications", { params: { query: { unread, kind, limit: 50 } } })),
    refetchInterval: 15_000,
  });
}

/** Mark one (id) or all (null) read; the list and the bell refresh. */
export function useMarkRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (id: number | null) => {
      if (id === null) unwrap(await api.POST("/v1/notifications/read-all", { body: {} }));
      else unwrap(await api.POST("/v1/notifications/{notification_id}/read", { params: { path: { notification_id: id } } }));
    },
    onSuccess: () => client.invalidateQueries({ queryKey: ["notifications"] }),
  });
}

export function usePreferences() {
  return useQuery({
    queryKey: ["notifications", "preferences"],
    queryFn: async () => unwrap(await api.GET("/v1/notifications/preferences")),
  });
}

export function useSavePreferences() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (kinds: KindChannels[]) => unwrap(await api.PUT("/v1/notifications/preferences", { body: { kinds } })),
    onSuccess: (data) => client.setQueryData(["notifications", "preferences"], data),
  });
}
