import { Badge, Tooltip } from "@mantine/core";

/** Risk score colour: 7–10 low risk, 4–7 medium, below 4 high. */
export function scoreColor(score: number | null) {
  if (score === null) return "gray";
  if (score >= 7) return "teal";
  if (score >= 4) return "yellow";
  return "red";
}

/** A 0–1 share as a whole percentage (the engine never sends NaN, which would arrive as null). */
export function pct(share: number | null | undefined) {
  return Math.round((share ?? 0) * 100);
}

export function ScoreBadge({
  score,
  coverage,
  size = "md",
}: {
  score: number | null;
  coverage?: number | null;
  size?: string;
}) {
  const label = score === null ? "n/a" : score.toFixed(1);
  const tip =
    score === null
      ? "Not enough data: too few risk factors are known to compute a fair score."
      : coverage === undefined || coverage === null
        ? "Risk score 0–10 (10 = least risky)"
        : `Risk score 0–10 (10 = least risky), ${pct(coverage)} % of weighted factors known`;
  return (
    <Tooltip label={tip} multiline maw={280}>
      <Badge color={scoreColor(score)} variant={score === null ? "outline" : "filled"} size={size} miw={44}>
        {label}
      </Badge>
    </Tooltip>
  );
}
