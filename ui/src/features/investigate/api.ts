import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  call,
  commands,
  type ActivityDetail,
  type ActivityExport,
  type ActivityFilter,
  type ActivityPage,
  type ActivityRow,
  type Category,
  type ExportFormat,
  type Outcome,
  type FileDetail,
  type FileFilter,
  type FilePage,
  type FileRow,
  type SharingLevel,
  type BanReport,
  type ChangeReport,
  type InstanceChanges,
  type SnapshotInfo,
  type OauthAppFilter,
  type OauthAppPage,
  type OauthAppRow,
  type OauthAppStatus,
  type PermissionLevel,
  type PeoplePage,
  type Person,
  type PersonAccount,
  type PersonFilter,
  type SavedActivityQuery,
} from "../../ipc";

export type { ActivityDetail, ActivityExport, ActivityFilter, ActivityPage, ActivityRow, Category, ExportFormat, Outcome, SavedActivityQuery };
export type { PeoplePage, Person, PersonAccount, PersonFilter };
export type { FileDetail, FileFilter, FilePage, FileRow, SharingLevel };
export type { ChangeReport, InstanceChanges, SnapshotInfo };
export type { BanReport, OauthAppFilter, OauthAppPage, OauthAppRow, OauthAppStatus, PermissionLevel };

const PAGE_SIZE = 200;

/** The activity log for a filter, page after page (keyset cursors from the engine). */
export function useActivities(filter: ActivityFilter) {
  return useInfiniteQuery({
    queryKey: ["list_activities", filter],
    queryFn: ({ pageParam }) => call(commands.listActivities(filter, pageParam, PAGE_SIZE)),
    initialPageParam: null as string | null,
    getNextPageParam: (last: ActivityPage) => last.next_cursor,
    placeholderData: keepPreviousData,
  });
}

/** One event with the vendor's raw record. */
export function useActivity(key: { instance: string; event: string } | null) {
  return useQuery({
    queryKey: ["get_activity", key?.instance, key?.event],
    queryFn: () => call(commands.getActivity(key?.instance ?? "", key?.event ?? "")),
    enabled: key !== null,
  });
}

/** Asks where to save, then writes the filtered log; `null` when the analyst cancels. */
export function useExportActivities() {
  return useMutation({
    mutationFn: ({ filter, format }: { filter: ActivityFilter; format: ExportFormat }): Promise<ActivityExport | null> =>
      call(commands.exportActivities(filter, format, `activity-log.${format}`)),
  });
}

export function useActivityQueries() {
  return useQuery({ queryKey: ["list_activity_queries"], queryFn: () => call(commands.listActivityQueries()) });
}

export function useSaveActivityQuery() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ name, filter }: { name: string; filter: ActivityFilter }) => call(commands.saveActivityQuery(name, filter)),
    onSuccess: () => client.invalidateQueries({ queryKey: ["list_activity_queries"] }),
  });
}

export function useDeleteActivityQuery() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => call(commands.deleteActivityQuery(id)),
    onSuccess: () => client.invalidateQueries({ queryKey: ["list_activity_queries"] }),
  });
}

/** People (accounts correlated across instances), page after page in key order. */
export function usePeople(filter: PersonFilter) {
  return useInfiniteQuery({
    queryKey: ["list_people", filter],
    queryFn: ({ pageParam }) => call(commands.listPeople(filter, pageParam, 100)),
    initialPageParam: null as string | null,
    getNextPageParam: (last: PeoplePage) => last.next_cursor,
    placeholderData: keepPreviousData,
  });
}

/** Links an account to a person (`null`: back to the e-mail rule). */
export function useLinkAccount() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ account, person }: { account: PersonAccount; person: string | null }) =>
      call(commands.linkAccount(account.instance_id, account.external_id, person)),
    onSuccess: () => client.invalidateQueries({ queryKey: ["list_people"] }),
  });
}

/** Files across instances, newest modified first, page after page. */
export function useFiles(filter: FileFilter) {
  return useInfiniteQuery({
    queryKey: ["list_files", filter],
    queryFn: ({ pageParam }) => call(commands.listFiles(filter, pageParam, 100)),
    initialPageParam: null as string | null,
    getNextPageParam: (last: FilePage) => last.next_cursor,
    placeholderData: keepPreviousData,
  });
}

/** One file with its collaborators and the vendor's record. */
export function useFile(key: { instance: string; file: string } | null) {
  return useQuery({
    queryKey: ["get_file", key?.instance, key?.file],
    queryFn: () => call(commands.getFile(key?.instance ?? "", key?.file ?? "")),
    enabled: key !== null,
  });
}

export const sharingLevels: { value: SharingLevel; label: string; color: string }[] = [
  { value: "public", label: "Public (anyone with the link)", color: "red" },
  { value: "external", label: "External people", color: "orange" },
  { value: "internal", label: "Whole organisation", color: "yellow" },
  { value: "private", label: "Private", color: "gray" },
];

/** Third-party OAuth apps, highest permission level first. */
export function useOauthApps(filter: OauthAppFilter) {
  return useInfiniteQuery({
    queryKey: ["list_oauth_apps", filter],
    queryFn: ({ pageParam }) => call(commands.listOauthApps(filter, pageParam, 100)),
    initialPageParam: null as string | null,
    getNextPageParam: (last: OauthAppPage) => last.next_cursor,
    placeholderData: keepPreviousData,
  });
}

export function useSetOauthAppStatus() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ key, status }: { key: string; status: OauthAppStatus }) => call(commands.setOauthAppStatus(key, status)),
    onSuccess: () => client.invalidateQueries({ queryKey: ["list_oauth_apps"] }),
  });
}

/** Ban: a dry run (what it would revoke) or the real thing. */
export function useBanOauthApp() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ key, dryRun }: { key: string; dryRun: boolean }) => call(commands.banOauthApp(key, dryRun)),
    onSuccess: (_r, v) => {
      if (!v.dryRun) void client.invalidateQueries({ queryKey: ["list_oauth_apps"] });
    },
  });
}

export const permissionLevels: { value: PermissionLevel; label: string; color: string }[] = [
  { value: "high", label: "High", color: "red" },
  { value: "medium", label: "Medium", color: "yellow" },
  { value: "low", label: "Low", color: "teal" },
];

export function useSnapshots(instance: string | null) {
  return useQuery({ queryKey: ["list_snapshots", instance], queryFn: () => call(commands.listSnapshots(instance)) });
}

/** What changed between two scans (the last two of each instance by default). */
export function useChanges(instance: string | null, from: string | null, to: string | null) {
  return useQuery({
    queryKey: ["get_changes", instance, from, to],
    queryFn: () => call(commands.getChanges(instance, from, to)),
    placeholderData: keepPreviousData,
  });
}

export const categories: { value: Category; label: string }[] = [
  { value: "sign_in", label: "Sign-in" },
  { value: "admin", label: "Admin" },
  { value: "file", label: "File" },
  { value: "sharing", label: "Sharing" },
  { value: "mail", label: "Mail" },
  { value: "oauth", label: "OAuth" },
  { value: "repository", label: "Repository" },
  { value: "membership", label: "Membership" },
  { value: "other", label: "Other" },
];

export const outcomes: { value: Outcome; label: string }[] = [
  { value: "success", label: "Success" },
  { value: "failure", label: "Failure" },
  { value: "unknown", label: "Unknown" },
];
