"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";

import { subscribePush, type PushEvent } from "@/lib/realtime";
import { useSession } from "./useSession";

/**
 * Keeps message queries live while mounted: a pushed `message.created` refreshes that conversation, the
 * conversation list and the unread counts; `onEvent` sees every event too.
 */
export function usePush(onEvent?: (event: PushEvent) => void) {
  const session = useSession();
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!session) return;
    return subscribePush((event) => {
      if (event.type === "message.created" && event.message) {
        void queryClient.invalidateQueries({ queryKey: ["messages", event.message.conversation_id] });
        void queryClient.invalidateQueries({ queryKey: ["conversations"] });
        void queryClient.invalidateQueries({ queryKey: ["unread"] });
      }
      onEvent?.(event);
    });
  }, [session, queryClient, onEvent]);
}
