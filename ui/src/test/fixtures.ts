import type { ScoreMetric } from "../ipc";

export const metric: ScoreMetric = {
  unknown_as_zero: false,
  min_coverage: 0.1,
  share_alike_overlay: false,
  groups: [
    { group: "general", name: "General", weight: "medium", default_weight: "medium" },
    { group: "security", name: "Security", weight: "very_high", default_weight: "very_high" },
  ],
  factors: [
    { id: "mfa_support", name: "Multi-factor authentication", group: "security", weight: "very_high", default_weight: "very_high", known_apps: 2541 },
    { id: "sso_paid_tier_only", name: "SSO only on a premium tier", group: "general", weight: "low", default_weight: "low", known_apps: 149 },
  ],
};
