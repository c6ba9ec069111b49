"use client";

import dynamic from "next/dynamic";
import { useEffect, useState } from "react";

import { setStepUpHandler } from "@/lib/auth/stepUpGate";

// The dialog and its wallet libraries load only when the API first asks for a step-up.
const StepUpDialog = dynamic(() => import("./StepUpDialog").then((m) => m.StepUpDialog), { ssr: false });

type Open = { resolve: (confirmed: boolean) => void };

/** Answers the API client's step-up requests (lib/auth/stepUpGate) with the "Confirm it's you" dialog. */
export function StepUpHost() {
  const [open, setOpen] = useState<Open | null>(null);
  useEffect(() => {
    setStepUpHandler(() => new Promise<boolean>((resolve) => setOpen({ resolve })));
    return () => setStepUpHandler(null);
  }, []);
  if (!open) return null;
  return <StepUpDialog onDone={(confirmed) => { open.resolve(confirmed); setOpen(null); }} />;
}
