"use client";

import { useState } from "react";

import { Button } from "./Button";

/** A destructive button that asks twice: the first click arms it and says what the second will do. */
export function ConfirmButton({ label, confirmLabel, onConfirm, disabled, small }: {
  label: string; confirmLabel: string; onConfirm: () => void; disabled?: boolean; small?: boolean;
}) {
  const [armed, setArmed] = useState(false);
  return (
    <Button variant={armed ? "danger" : "secondary"} className={small ? "px-2 py-1 text-xs" : ""} disabled={disabled}
            onClick={() => (armed ? onConfirm() : setArmed(true))}>
      {armed ? confirmLabel : label}
    </Button>
  );
}
