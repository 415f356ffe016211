import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  call,
  commands,
  type ConnectGithub,
  type ConnectGithubDevice,
  type DeviceCode,
  type ConnectorView,
  type InstanceView,
  type PermissionView,
  type PhaseReport,
  type ScanReport,
} from "../../ipc";

export type { ConnectGithubDevice, DeviceCode };
export type { ConnectGithub, ConnectorView, InstanceView, PermissionView, PhaseReport, ScanReport };

export function useConnectors() {
  return useQuery({ queryKey: ["list_connectors"], queryFn: () => commands.listConnectors(), staleTime: Infinity });
}

/** The instances; polled every second while one is connecting or scanning. */
export function useInstances() {
  return useQuery({
    queryKey: ["list_instances"],
    queryFn: () => call(commands.listInstances()),
    refetchInterval: (q) =>
      (q.state.data ?? []).some((i) => i.status === "scanning" || i.status === "connecting") ? 1000 : false,
  });
}

function useInvalidate() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ["list_instances"] });
}

export function useConnectGithub() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (input: ConnectGithub) => call(commands.connectGithub(input)), onSettled: invalidate });
}

/** The device flow: `start` shows a code, then `finish` waits for the approval on GitHub. */
export function useGithubDevice() {
  const invalidate = useInvalidate();
  const start = useMutation({ mutationFn: (input: ConnectGithubDevice) => call(commands.githubDeviceStart(input)) });
  const finish = useMutation({
    mutationFn: (flowId: string) => call(commands.githubDeviceFinish(flowId)),
    onSettled: invalidate,
  });
  return { start, finish };
}

export function useTestConnection() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (id: string) => call(commands.testConnection(id)), onSettled: invalidate });
}

/** Scan now. The instance list polls while it runs, so counts and the phase move live. */
export function useScanInstance() {
  const client = useQueryClient();
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: (id: string) => {
      // Let the list pick up the `scanning` status right away.
      setTimeout(() => void invalidate(), 150);
      return call(commands.scanInstance(id));
    },
    onSuccess: (report) => {
      client.setQueryData(["last_scan", report.instance_id], report);
    },
    onSettled: invalidate,
  });
}

export function useLastScan(id: string) {
  return useQuery<ScanReport | null>({ queryKey: ["last_scan", id], queryFn: () => null, staleTime: Infinity });
}

export function cancelScan(id: string) {
  void commands.cancelScan(id);
}

export function useSetInstanceEnabled() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => call(commands.setInstanceEnabled(id, enabled)),
    onSettled: invalidate,
  });
}

export function useRemoveInstance() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, purge }: { id: string; purge: boolean }) => call(commands.removeInstance(id, purge)),
    onSettled: invalidate,
  });
}
