import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { call, commands, type AuditEntry, type Settings, type Status, type Theme } from "../../ipc";

export type { AuditEntry, Settings, Status, Theme };

export const statusKey = ["get_status"] as const;
export const settingsKey = ["get_settings"] as const;

/** Version, data directory, database and keychain status as the engine reports them. */
export function useStatus() {
  return useQuery({ queryKey: statusKey, queryFn: () => call(commands.getStatus()) });
}

export function useSettings() {
  return useQuery({ queryKey: settingsKey, queryFn: () => call(commands.getSettings()) });
}

export function useSetTheme() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (theme: Theme) => call(commands.setTheme(theme)),
    onSuccess: (settings) => {
      client.setQueryData(settingsKey, settings);
    },
  });
}

/** The newest audit-log entries: reveals of pseudonyms, anonymization turned on or off. */
export function useAuditLog() {
  return useQuery({ queryKey: ["list_audit_log"], queryFn: () => call(commands.listAuditLog(200)) });
}
