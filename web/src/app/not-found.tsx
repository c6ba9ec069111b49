import Link from "next/link";

export default function NotFound() {
  return (
    <div className="space-y-2">
      <h1 className="text-display font-bold">Page not found</h1>
      <p><Link href="/" className="text-primary underline">Back to the start</Link></p>
    </div>
  );
}
