"use client";

import { useMutation, useQueryClient, type QueryKey } from "@tanstack/react-query";

/** A write that, once done, refetches what it changed (`keys`, by prefix), then calls `onDone`. */
export function useChange<T, R>(run: (arg: T) => Promise<R>, keys: QueryKey[], onDone?: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: async () => {
      for (const queryKey of keys) await queryClient.invalidateQueries({ queryKey });
      onDone?.();
    },
  });
}
