"use client";

import { useState } from "react";

import { Button } from "@/components/ui/Button";
import { Card } from "@/components/ui/Card";
import { ErrorAlert, QueryState } from "@/components/ui/States";
import { usePreferences, useSavePreferences, type KindChannels } from "@/hooks/useNotifications";
import { CHANNEL_LABELS, CHANNELS, type Channel } from "./kinds";

function Grid({ initial }: { initial: KindChannels[] }) {
  const [kinds, setKinds] = useState(initial);
  const save = useSavePreferences();
  const toggle = (kind: string, channel: Channel) =>
    setKinds((all) => all.map((k) => (k.kind === kind ? { ...k, [channel]: !k[channel] } : k)));
  return (
    <>
      <table className="w-full text-sm">
        <caption className="sr-only">Channels per notification kind</caption>
        <thead><tr className="text-left text-muted"><th scope="col">Kind</th>{CHANNELS.map((c) => <th key={c} scope="col">{CHANNEL_LABELS[c]}</th>)}</tr></thead>
        <tbody>
          {kinds.map((k) => (
            <tr key={k.kind} className="border-t border-border" data-testid="preference-row">
              <th scope="row" className="py-1 text-left font-normal">{k.kind}</th>
              {CHANNELS.map((c) => (
                <td key={c}>
                  <input type="checkbox" checked={k[c] ?? true} onChange={() => toggle(k.kind, c)}
                         aria-label={`${k.kind}: ${CHANNEL_LABELS[c]}`} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <div className="mt-3 flex items-center gap-3">
        <Button onClick={() => save.mutate(kinds)} disabled={save.isPending}>Save preferences</Button>
        {save.isSuccess ? <span role="status" className="text-sm text-success-ink">Saved</span> : null}
      </div>
      {save.error ? <ErrorAlert error={save.error} title="Could not save" /> : null}
    </>
  );
}

export function Preferences() {
  const prefs = usePreferences();
  return (
    <Card title="Preferences" id="preferences">
      <p className="mb-3 text-sm text-muted">Which channels each kind of notification uses. Email goes out only to an address you gave.</p>
      <QueryState query={prefs} loadingLabel="Loading preferences">{(p) => <Grid initial={p.kinds} />}</QueryState>
    </Card>
  );
}
