"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";

import { QueryState } from "@/components/ui/States";
import { api, unwrap } from "@/lib/api/client";
import { Chatbot } from "./Chatbot";

const PROVIDERS = { intercom: "Intercom", zendesk: "Zendesk" } as const;

/**
 * The widget's content. `GET /v1/support/widget` names the provider: with Intercom or Zendesk configured,
 * their messenger would be loaded here with the identity proof the API signed; this build does not load
 * third-party scripts, it says so. `none` (the default) is the built-in assistant.
 */
export function SupportPanel() {
  const widget = useQuery({
    queryKey: ["support", "widget"],
    staleTime: 5 * 60_000,
    queryFn: async () => unwrap(await api.GET("/v1/support/widget")),
  });
  return (
    <QueryState query={widget} loadingLabel="Loading support">
      {(w) => (
        <div className="space-y-3">
          {w.provider === "none" ? <Chatbot /> : (
            <p className="rounded-md border border-border bg-canvas p-3 text-sm" data-testid="widget-provider">
              Support is provided by {PROVIDERS[w.provider]}: its messenger would load here (app {w.app_id ?? "—"}),
              signed in as you. External scripts are not loaded in this build.
            </p>
          )}
          <p className="text-xs text-muted"><Link href="/support" className="underline">Your tickets and the FAQ</Link></p>
        </div>
      )}
    </QueryState>
  );
}
