import { keepPreviousData, useInfiniteQuery, useMutation, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { openUrl } from "@tauri-apps/plugin-opener";
import {
  call,
  commands,
  type AppDetail,
  type AppPage,
  type AppQuery,
  type AppRow,
  type AppSort,
  type AppTag,
  type CategoryInfo,
  type Confidence,
  type CustomAppInput,
  type FactorFilter,
  type FactorInfo,
  type FactorView,
  type DomainView,
  type GroupView,
  type ImportChoice,
  type ScoreMetric,
  type SourceInfo,
  type Weight,
} from "../../ipc";

export type {
  AppDetail,
  AppPage,
  AppQuery,
  AppRow,
  AppSort,
  AppTag,
  CategoryInfo,
  Confidence,
  CustomAppInput,
  FactorFilter,
  FactorInfo,
  FactorView,
  DomainView,
  GroupView,
  ImportChoice,
  ScoreMetric,
  SourceInfo,
  Weight,
};

/** Rows fetched per page of the catalog table. */
export const PAGE_SIZE = 200;

/** The catalog table: filtered and sorted in the engine, fetched page by page as it scrolls. */
export function useAppSearch(query: Omit<AppQuery, "offset" | "limit">) {
  return useInfiniteQuery({
    queryKey: ["search_apps", query],
    queryFn: ({ pageParam }) => call(commands.searchApps({ ...query, offset: pageParam, limit: PAGE_SIZE })),
    initialPageParam: 0,
    getNextPageParam: (last: AppPage, pages: AppPage[]) => {
      const loaded = pages.reduce((n, p) => n + p.rows.length, 0);
      return loaded < last.total ? loaded : undefined;
    },
    placeholderData: keepPreviousData,
  });
}

export function useApp(id: string | undefined) {
  return useQuery({
    queryKey: ["get_app", id],
    queryFn: () => call(commands.getApp(id ?? "")),
    enabled: id !== undefined,
  });
}

/** Several apps at once (the compare view). */
export function useApps(ids: string[]) {
  return useQueries({
    queries: ids.map((id) => ({ queryKey: ["get_app", id], queryFn: () => call(commands.getApp(id)) })),
  });
}

export function useCatalogStats() {
  return useQuery({ queryKey: ["get_catalog_stats"], queryFn: () => call(commands.getCatalogStats()) });
}

export function useCategories() {
  return useQuery({ queryKey: ["list_categories"], queryFn: () => call(commands.listCategories()), staleTime: 60_000 });
}

export function useFactors() {
  return useQuery({ queryKey: ["list_factors"], queryFn: () => commands.listFactors(), staleTime: Infinity });
}

export function useScoreMetric() {
  return useQuery({ queryKey: ["get_score_metric"], queryFn: () => call(commands.getScoreMetric()) });
}

/** Everything that shows a score or an app depends on these; refresh them after a change. */
function useInvalidateCatalog() {
  const client = useQueryClient();
  return () =>
    Promise.all(
      ["search_apps", "get_app", "get_catalog_stats", "list_categories", "get_score_metric"].map((key) =>
        client.invalidateQueries({ queryKey: [key] }),
      ),
    );
}

export function useSetScoreMetric() {
  const invalidate = useInvalidateCatalog();
  return useMutation({
    mutationFn: (metric: ScoreMetric) => call(commands.setScoreMetric(metric)),
    onSuccess: invalidate,
  });
}

export function useSetScoreOverride() {
  const invalidate = useInvalidateCatalog();
  return useMutation({
    mutationFn: ({ id, score, note }: { id: string; score: number; note: string }) =>
      call(commands.setScoreOverride(id, score, note)),
    onSuccess: invalidate,
  });
}

/** The analyst's decisions, with the labels and colours every page shows them in. */
export const appTags: { value: AppTag; label: string; color: string }[] = [
  { value: "sanctioned", label: "Sanctioned", color: "teal" },
  { value: "unsanctioned", label: "Unsanctioned", color: "red" },
  { value: "monitored", label: "Monitored", color: "yellow" },
];

/** Tags one app or many (`null` clears the tag); catalog and reports refresh. */
export function useSetAppTags() {
  const client = useQueryClient();
  const invalidate = useInvalidateCatalog();
  return useMutation({
    mutationFn: ({ ids, tag }: { ids: string[]; tag: AppTag | null }) => call(commands.setAppTags(ids, tag)),
    onSuccess: () =>
      Promise.all([
        invalidate(),
        ...["get_report", "get_block_list", "list_reports"].map((key) => client.invalidateQueries({ queryKey: [key] })),
      ]),
  });
}

export function useClearScoreOverride() {
  const invalidate = useInvalidateCatalog();
  return useMutation({ mutationFn: (id: string) => call(commands.clearScoreOverride(id)), onSuccess: invalidate });
}

export function useSaveCustomApp() {
  const invalidate = useInvalidateCatalog();
  return useMutation({ mutationFn: (input: CustomAppInput) => call(commands.saveCustomApp(input)), onSuccess: invalidate });
}

export function useDeleteCustomApp() {
  const invalidate = useInvalidateCatalog();
  return useMutation({ mutationFn: (id: string) => call(commands.deleteCustomApp(id)), onSuccess: invalidate });
}

/** Asks where to save (a dialog on the Rust side), then writes the custom apps there. `null` when the analyst cancels. */
export function useExportCustomApps() {
  return useMutation({ mutationFn: () => call(commands.exportCustomApps()) });
}

/**
 * Imports custom apps in two steps: `choose` asks for a file and reads what it would do (the
 * built-in apps it replaces need the analyst's confirmation); `save` imports it.
 */
export function useImportCustomApps() {
  const invalidate = useInvalidateCatalog();
  const choose = useMutation({ mutationFn: () => call(commands.chooseCustomAppsImport()) });
  const save = useMutation({
    mutationFn: ({ file, replaceBuiltin }: { file: string; replaceBuiltin: boolean }) =>
      call(commands.importCustomApps(file, replaceBuiltin)),
    onSuccess: invalidate,
  });
  return { choose, save };
}

/** Opens an https link in the system browser. */
export function openLink(url: string) {
  void openUrl(url);
}
