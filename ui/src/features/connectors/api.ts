import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Channel } from "@tauri-apps/api/core";
import { useEffect, useState } from "react";
import { openLink } from "../catalog/api";
import {
  call,
  commands,
  IpcError,
  type AuthorizeFlow,
  type AuthorizeStart,
  type ConnectM365,
  type RunView,
  type UpdateCredentials,
  type ConnectGithub,
  type ConnectGithubDevice,
  type DeviceCode,
  type ConnectorView,
  type InstanceView,
  type JobEvent,
  type PermissionView,
  type PhaseReport,
  type ScanReport,
} from "../../ipc";

export type { AuthorizeFlow, AuthorizeStart, ConnectGithubDevice, ConnectM365, DeviceCode, RunView, UpdateCredentials };
export type { ConnectGithub, ConnectorView, InstanceView, PermissionView, PhaseReport, ScanReport };
/** A command's error: for a refused credential, the field it concerns and the vendor's detail. */
export { IpcError };

export function useConnectors() {
  return useQuery({ queryKey: ["list_connectors"], queryFn: () => commands.listConnectors(), staleTime: Infinity });
}

/** The instances; refreshed by the job events of `useJobEvents`, not by polling. */
export function useInstances() {
  return useQuery({ queryKey: ["list_instances"], queryFn: () => call(commands.listInstances()) });
}

/**
 * Scan and upload events pushed by the engine through a Tauri channel — from this app's own
 * scans and from its scheduler. Each refreshes the instances (at most twice a second); the
 * latest progress text of each running scan is returned by instance id.
 */
export function useJobEvents(): Record<string, string> {
  const client = useQueryClient();
  const [progress, setProgress] = useState<Record<string, string>>({});
  useEffect(() => {
    let active = true;
    let pending: ReturnType<typeof setTimeout> | null = null;
    const channel = new Channel<JobEvent>();
    channel.onmessage = (event) => {
      if (!active) return;
      setProgress((current) => {
        if (event.state === "running") {
          return event.progress ? { ...current, [event.subject]: event.progress } : current;
        }
        return Object.fromEntries(Object.entries(current).filter(([subject]) => subject !== event.subject));
      });
      if (pending === null) {
        pending = setTimeout(
          () => {
            pending = null;
            void client.invalidateQueries({ queryKey: ["list_instances"] });
          },
          event.state === "running" ? 500 : 0,
        );
      }
    };
    void commands.watchJobs(channel);
    return () => {
      active = false;
      if (pending !== null) clearTimeout(pending);
    };
  }, [client]);
  return progress;
}

function useInvalidate() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: ["list_instances"] });
}

export function useConnectGithub() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (input: ConnectGithub) => call(commands.connectGithub(input)), onSettled: invalidate });
}

export function useConnectM365() {
  const invalidate = useInvalidate();
  return useMutation({ mutationFn: (input: ConnectM365) => call(commands.connectM365(input)), onSettled: invalidate });
}

/**
 * The authorization-code flow: `run` starts it, opens the sign-in page in the system browser and
 * waits for the browser to come back to the loopback redirect; `cancel` abandons it.
 */
export function useAuthorize() {
  const invalidate = useInvalidate();
  const start = useMutation({ mutationFn: (input: AuthorizeStart) => call(commands.authorizeStart(input)) });
  const finish = useMutation({
    mutationFn: (flowId: string) => call(commands.authorizeFinish(flowId)),
    onSettled: invalidate,
  });
  const run = (input: AuthorizeStart) => {
    finish.reset();
    start.mutate(input, {
      onSuccess: (flow) => {
        openLink(flow.authorize_url);
        finish.mutate(flow.flow_id);
      },
    });
  };
  const cancel = () => {
    if (start.data) void commands.cancelFlow(start.data.flow_id);
    start.reset();
    finish.reset();
  };
  return { start, finish, run, cancel };
}

export function useUpdateCredentials() {
  const invalidate = useInvalidate();
  return useMutation({
    mutationFn: ({ id, input }: { id: string; input: UpdateCredentials }) => call(commands.updateCredentials(id, input)),
    onSettled: invalidate,
  });
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
