/** Colours and labels of instance statuses. */
export const statusColor: Record<string, string> = {
  connecting: "blue",
  scanning: "blue",
  connected: "teal",
  error: "red",
  disabled: "gray",
};

export const phaseLabel: Record<string, string> = {
  accounts: "Accounts",
  groups: "Groups",
  privileges: "Privileges",
  activities: "Activities",
  files: "Files",
  oauth_grants: "OAuth apps",
};

/**
 * What a phase's record count counts: the instance table counts groups alone, the groups
 * phase stores groups and their memberships.
 */
export const phaseRecords: Record<string, string> = {
  groups: "groups + memberships",
  privileges: "role holdings",
  oauth_grants: "grants",
};

export const phaseStatusColor: Record<string, string> = {
  completed: "teal",
  skipped: "gray",
  not_run: "gray",
  missing_permission: "orange",
  unavailable: "yellow",
  failed: "red",
  cancelled: "gray",
};
