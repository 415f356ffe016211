import { Badge, Group, Text, Tooltip } from "@mantine/core";
import type { Confidence } from "./api";

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

/**
 * A 0–10 risk score (10 = safest). A score resting on less than half of the weighted factors
 * (`confidence` `low`) is shown greyed and outlined with how much is known, so it never looks as
 * certain as a well-founded one.
 */
export function ScoreBadge({
  score,
  coverage,
  confidence,
  size = "md",
  scale = false,
  compact = false,
}: {
  score: number | null;
  coverage?: number | null;
  confidence?: Confidence;
  size?: string;
  /** Show "/ 10, 10 = safest" beside the badge. */
  scale?: boolean;
  /** In a table with a coverage column: the greyed badge and its tooltip say it all. */
  compact?: boolean;
}) {
  const low = score !== null && confidence === "low";
  const label = score === null ? "n/a" : score.toFixed(1);
  const known = coverage === undefined || coverage === null ? "" : `, ${String(pct(coverage))} % of weighted factors known`;
  const tip =
    score === null
      ? "Not enough data: too few risk factors are known to compute a fair score."
      : low
        ? `Low confidence: risk score 0–10 (10 = safest) computed from less than half of the weighted factors${known}.`
        : `Risk score 0–10 (10 = safest)${known}`;
  const badge = (
    <Tooltip label={tip} multiline maw={300}>
      <Badge
        color={low ? "gray" : scoreColor(score)}
        variant={score === null || low ? "outline" : "filled"}
        size={size}
        miw={44}
        data-confidence={confidence ?? (score === null ? "not_enough_data" : "high")}
        aria-label={score === null ? "score: not enough data" : `score ${label} of 10${low ? ", low confidence" : ""}`}
      >
        {label}
      </Badge>
    </Tooltip>
  );
  if (!scale && (!low || compact)) return badge;
  return (
    <Group gap={6} wrap="nowrap">
      {badge}
      {scale && (
        <Text size="xs" c="dimmed">
          / 10, 10 = safest
        </Text>
      )}
      {low && (
        <Text size="xs" c="dimmed" data-testid="score-low-confidence">
          low confidence{coverage === undefined || coverage === null ? "" : ` · ${String(pct(coverage))} % known`}
        </Text>
      )}
    </Group>
  );
}
