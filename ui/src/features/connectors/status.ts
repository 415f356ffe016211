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

export const phaseStatusColor: Record<string, string> = {
  completed: "teal",
  skipped: "gray",
  not_run: "gray",
  missing_permission: "orange",
  unavailable: "yellow",
  failed: "red",
  cancelled: "gray",
};
