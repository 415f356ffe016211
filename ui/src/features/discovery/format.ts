/** Human-readable sizes and times for the discovery pages. */

const units = ["B", "KB", "MB", "GB", "TB", "PB"];

/** 1536 → "1.5 KB" (powers of 1024, one decimal below 10). */
export function formatBytes(n: number): string {
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  const digits = i === 0 || v >= 10 ? 0 : 1;
  return `${v.toFixed(digits)} ${units[i] ?? "B"}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** Milliseconds since the epoch → "2026-11-28 20:49" (UTC). */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** A duration in ms → "1 m 05 s" / "12 s" / "0.4 s". */
export function formatDuration(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${String(s)} s`;
  const m = Math.floor(s / 60);
  return `${String(m)} m ${String(s % 60).padStart(2, "0")} s`;
}

/** A report's time span. */
export function formatSpan(first: number | null, last: number | null): string {
  if (first === null || last === null) return "—";
  const a = formatTime(first).slice(0, 10);
  const b = formatTime(last).slice(0, 10);
  return a === b ? a : `${a} → ${b}`;
}

/** Skip reasons that are not errors: blank and header lines, non-traffic events, session starts. */
export function isBenignSkip(reason: string): boolean {
  return ["empty", "header", "not_traffic", "session_start"].includes(reason);
}

/** `too_few_fields` → "too few fields". */
export function reasonLabel(reason: string): string {
  return reason.replace(/_/g, " ");
}
