import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import { useEffect, useState } from "react";
import {
  IpcError,
  call,
  commands,
  type AppTag,
  type BlockListDomain,
  type BlockListFormat,
  type BlockListPlan,
  type ChosenFile,
  type DiscoveredApp,
  type DiscoveryProgress,
  type DiscoveryRequest,
  type DiscoveryResult,
  type DiscoverySettings,
  type ExportResult,
  type FormatInfo,
  type MalformedLine,
  type CustomFormatDef,
  type LogPreview,
  type ReportInfo,
  type ReportView,
  type UnmatchedDomain,
  type UploadInfo,
  type UsageBreakdown,
  type UsageDetail,
} from "../../ipc";

export type {
  ChosenFile,
  CustomFormatDef,
  LogPreview,
  AppTag,
  BlockListDomain,
  BlockListFormat,
  BlockListPlan,
  DiscoveredApp,
  DiscoveryProgress,
  DiscoveryRequest,
  DiscoveryResult,
  DiscoverySettings,
  ExportResult,
  FormatInfo,
  MalformedLine,
  ReportInfo,
  ReportView,
  UnmatchedDomain,
  UploadInfo,
  UsageBreakdown,
  UsageDetail,
};

export function useLogFormats() {
  return useQuery({ queryKey: ["list_log_formats"], queryFn: () => call(commands.listLogFormats()) });
}

export function useLogPreview(file: ChosenFile | null, delimiter: string | null) {
  return useQuery({
    queryKey: ["preview_log", file?.handle, delimiter],
    queryFn: () => call(commands.previewLog(file?.handle ?? "", delimiter)),
    enabled: file !== null,
    retry: false,
  });
}

export function useSaveCustomFormat() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (format: CustomFormatDef) => call(commands.saveCustomFormat(format)),
    onSuccess: () => client.invalidateQueries({ queryKey: ["list_log_formats"] }),
  });
}

export function useReports() {
  return useQuery({ queryKey: ["list_reports"], queryFn: () => call(commands.listReports()) });
}

export function useReport(reportId: string | undefined) {
  return useQuery({
    queryKey: ["get_report", reportId],
    queryFn: () => call(commands.getReport(reportId ?? "")),
    enabled: reportId !== undefined,
  });
}

export function useUsageDetail(reportId: string, kind: string, key: string | null) {
  return useQuery({
    queryKey: ["get_usage_detail", reportId, kind, key],
    queryFn: () => call(commands.getUsageDetail(reportId, kind, key ?? "")),
    enabled: key !== null,
  });
}

function useInvalidateReports() {
  const client = useQueryClient();
  return () =>
    Promise.all(
      ["list_reports", "get_report", "get_usage_detail", "get_block_list"].map((key) => client.invalidateQueries({ queryKey: [key] })),
    );
}

/** Whether an error is the analyst's own cancel. */
export function isCancelled(error: unknown) {
  return error instanceof IpcError && error.code === "cancelled";
}

let jobCounter = 0;

/** Runs an upload with live progress; `cancel` stops it (the engine then stores nothing). */
export function useUpload() {
  const invalidate = useInvalidateReports();
  const [progress, setProgress] = useState<DiscoveryProgress | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: (request: DiscoveryRequest) => {
      jobCounter += 1;
      const id = `upload-${String(Date.now())}-${String(jobCounter)}`;
      setJobId(id);
      setProgress(null);
      const channel = new Channel<DiscoveryProgress>();
      channel.onmessage = setProgress;
      return call(commands.startDiscovery(id, request, channel));
    },
    onSettled: () => {
      setJobId(null);
      return invalidate();
    },
  });
  const cancel = () => {
    if (jobId !== null) void commands.cancelDiscovery(jobId);
  };
  return { ...mutation, progress, cancel, running: mutation.isPending };
}

/** Files the analyst picks in the open dialog (several at once), as handles. `[]` when cancelled. */
export async function pickLogFiles(): Promise<ChosenFile[]> {
  return call(commands.chooseLogFiles());
}

/**
 * Files dropped on the window (as handles: the Rust side registers them before the page hears
 * of them), and whether files are being dragged over the window now.
 */
export function useFileDrop(onDrop: (files: ChosenFile[]) => void) {
  const [over, setOver] = useState(false);
  useEffect(() => {
    const unlisten: (() => void)[] = [];
    let active = true;
    const keep = (fn: () => void) => {
      if (active) unlisten.push(fn);
      else fn();
    };
    let webview;
    try {
      webview = getCurrentWebview();
    } catch {
      return undefined; // not inside a Tauri window (unit tests): nothing can be dropped
    }
    void webview
      .onDragDropEvent((event) => {
        const p = event.payload;
        if (p.type === "enter" || p.type === "over") setOver(true);
        else setOver(false);
      })
      .then(keep)
      .catch(() => undefined);
    void listen<ChosenFile[]>("files-dropped", (event) => {
      if (event.payload.length > 0) onDrop(event.payload);
    })
      .then(keep)
      .catch(() => undefined);
    return () => {
      active = false;
      for (const fn of unlisten) fn();
    };
  }, [onDrop]);
  return over;
}

export function useSetAppTag() {
  const invalidate = useInvalidateReports();
  return useMutation({
    mutationFn: ({ appId, tag }: { appId: string; tag: AppTag | null }) => call(commands.setAppTag(appId, tag)),
    onSuccess: invalidate,
  });
}

export function useRenameReport() {
  const invalidate = useInvalidateReports();
  return useMutation({
    mutationFn: ({ reportId, name }: { reportId: string; name: string }) => call(commands.renameReport(reportId, name)),
    onSuccess: invalidate,
  });
}

export function useDeleteReport() {
  const invalidate = useInvalidateReports();
  return useMutation({ mutationFn: (reportId: string) => call(commands.deleteReport(reportId)), onSuccess: invalidate });
}

function safeName(name: string) {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "report";
}

/** Asks where to save, then writes the report as CSV. `null` when the analyst cancels. */
export function useExportReportCsv() {
  return useMutation({
    mutationFn: async (report: ReportInfo): Promise<ExportResult | null> => {
      return call(commands.exportReportCsv(report.report_id, `${safeName(report.name)}.csv`));
    },
  });
}

export const blockListFormats: { value: BlockListFormat; label: string; file: string; ext: string }[] = [
  { value: "plain", label: "Plain domain list", file: "unsanctioned-domains.txt", ext: "txt" },
  { value: "squid", label: "Squid ACL", file: "unsanctioned.squid.conf", ext: "conf" },
  { value: "panos_edl", label: "PAN-OS external dynamic list", file: "unsanctioned-edl.txt", ext: "txt" },
  { value: "zscaler", label: "Zscaler custom URL category", file: "unsanctioned-zscaler.txt", ext: "txt" },
  { value: "fortigate", label: "FortiGate URL filter (CLI)", file: "unsanctioned-fortigate.conf", ext: "conf" },
];

/** Every domain the block list would carry, why, and what is kept out of it. */
export function useBlockListPlan() {
  return useQuery({ queryKey: ["get_block_list", "plan"], queryFn: () => call(commands.getBlockListPlan()), retry: false });
}

/** The block list in `format` without the domains the analyst unticked (`skip`). */
export function useBlockList(format: BlockListFormat, skip: string[]) {
  return useQuery({
    queryKey: ["get_block_list", format, skip],
    queryFn: () => call(commands.getBlockList(format, skip)),
    retry: false,
    placeholderData: (previous) => previous,
  });
}

/** Asks where to save, then writes the block list of unsanctioned apps. `null` when cancelled. */
export function useExportBlockList() {
  return useMutation({
    mutationFn: async ({ format, skip }: { format: BlockListFormat; skip: string[] }): Promise<ExportResult | null> => {
      const f = blockListFormats.find((b) => b.value === format);
      return call(commands.exportBlockList(format, skip, f?.file ?? "unsanctioned.txt"));
    },
  });
}

export function useDiscoverySettings() {
  return useQuery({ queryKey: ["get_discovery_settings"], queryFn: () => call(commands.getDiscoverySettings()) });
}

export function useSetDiscoverySettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (settings: DiscoverySettings) => call(commands.setDiscoverySettings(settings)),
    onSuccess: (s) => {
      client.setQueryData(["get_discovery_settings"], s);
      void client.invalidateQueries({ queryKey: ["list_audit_log"] });
    },
  });
}

export function useRevealUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ pseudonym, reason }: { pseudonym: string; reason: string }) =>
      call(commands.revealUser(pseudonym, reason)),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["list_audit_log"] });
    },
  });
}
