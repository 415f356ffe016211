import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  call,
  commands,
  type ActionKind,
  type ActionOption,
  type ActionReport,
  type Alert,
  type AlertDetail,
  type AlertFilter,
  type AlertPage,
  type AlertStatus,
  type Delivery,
  type Entity,
  type Evidence,
  type ForwardConfig,
  type ForwardTarget,
  type ForwardTargetInput,
  type IpRange,
  type IpTag,
  type Policy,
  type PolicyInput,
  type PolicyTemplate,
  type PolicyTest,
  type Resolution,
  type Severity,
} from "../../ipc";

export type { ActionKind, ActionOption, ActionReport, Alert, AlertDetail, AlertFilter, AlertPage, AlertStatus, Delivery, Entity, Evidence, ForwardConfig, ForwardTarget, ForwardTargetInput, IpRange, IpTag, Policy, PolicyInput, PolicyTemplate, PolicyTest, Resolution, Severity };

export const severityColor: Record<Severity, string> = { high: "red", medium: "orange", low: "yellow" };
export const statusLabel: Record<AlertStatus, string> = { open: "Open", in_progress: "In progress", resolved: "Resolved", dismissed: "Dismissed" };
export const statusColor: Record<AlertStatus, string> = { open: "red", in_progress: "blue", resolved: "teal", dismissed: "gray" };
export const resolutionLabel: Record<Resolution, string> = { true_positive: "True positive", benign: "Benign", false_positive: "False positive" };
export const kindLabel: Record<string, string> = { activity: "Activity", file: "File", oauth_app: "OAuth app", discovery: "Cloud Discovery", anomaly: "Anomaly detection", sigma: "Sigma rule" };
export const tagLabel: Record<IpTag, string> = { corporate: "Corporate", vpn: "VPN", risky: "Risky", cloud_provider: "Cloud provider" };

export function usePolicyTemplates() {
  return useQuery({ queryKey: ["list_policy_templates"], queryFn: () => call(commands.listPolicyTemplates()), staleTime: Infinity });
}

export function usePolicies() {
  return useQuery({ queryKey: ["list_policies"], queryFn: () => call(commands.listPolicies()) });
}

function useInvalidatePolicies() {
  const client = useQueryClient();
  return () => {
    void client.invalidateQueries({ queryKey: ["list_policies"] });
    void client.invalidateQueries({ queryKey: ["list_alerts"] });
  };
}

export function useCreateFromTemplate() {
  const done = useInvalidatePolicies();
  return useMutation({
    mutationFn: ({ templateId, name }: { templateId: string; name: string | null }) => call(commands.createPolicyFromTemplate(templateId, name)),
    onSuccess: done,
  });
}

export function useSavePolicy() {
  const done = useInvalidatePolicies();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: PolicyInput }) => call(commands.savePolicy(id, input)),
    onSuccess: done,
  });
}

export function useSetPolicyEnabled() {
  const done = useInvalidatePolicies();
  return useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) => call(commands.setPolicyEnabled(id, enabled)),
    onSuccess: done,
  });
}

export function useDeletePolicy() {
  const done = useInvalidatePolicies();
  return useMutation({ mutationFn: (id: string) => call(commands.deletePolicy(id)), onSuccess: done });
}

/** A dry run of a policy over the last days: what it would have raised. */
export function useTestPolicy() {
  return useMutation({ mutationFn: ({ id, days }: { id: string; days: number }) => call(commands.testPolicy(id, days)) });
}

export function useEvaluate() {
  const done = useInvalidatePolicies();
  return useMutation({ mutationFn: (sinceMs: number | null) => call(commands.evaluatePolicies(sinceMs)), onSuccess: done });
}

export function useAlerts(filter: AlertFilter) {
  return useInfiniteQuery({
    queryKey: ["list_alerts", filter],
    queryFn: ({ pageParam }) => call(commands.listAlerts(filter, pageParam, 100)),
    initialPageParam: null as string | null,
    getNextPageParam: (last: AlertPage) => last.next_cursor,
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });
}

export function useAlert(id: string | null) {
  return useQuery({ queryKey: ["get_alert", id], queryFn: () => call(commands.getAlert(id ?? "")), enabled: id !== null });
}

function useInvalidateAlerts() {
  const client = useQueryClient();
  return () => {
    void client.invalidateQueries({ queryKey: ["list_alerts"] });
    void client.invalidateQueries({ queryKey: ["get_alert"] });
    void client.invalidateQueries({ queryKey: ["list_policies"] });
  };
}

export function useSetAlertsStatus() {
  const done = useInvalidateAlerts();
  return useMutation({
    mutationFn: ({ ids, status, resolution, note }: { ids: string[]; status: AlertStatus; resolution: Resolution | null; note: string | null }) => call(commands.setAlertsStatus(ids, status, resolution, note)),
    onSuccess: done,
  });
}

export function useCommentAlert() {
  const done = useInvalidateAlerts();
  return useMutation({ mutationFn: ({ id, text }: { id: string; text: string }) => call(commands.commentAlert(id, text)), onSuccess: done });
}

export function useAssignAlert() {
  const done = useInvalidateAlerts();
  return useMutation({ mutationFn: ({ id, assignee }: { id: string; assignee: string | null }) => call(commands.assignAlert(id, assignee)), onSuccess: done });
}

export function useAlertActions(id: string | null) {
  return useQuery({ queryKey: ["list_alert_actions", id], queryFn: () => call(commands.listAlertActions(id ?? "")), enabled: id !== null });
}

/** A governance action from an alert: the dry run first, then for real. */
export function useRunAlertAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, action, entityId, dryRun }: { id: string; action: ActionKind; entityId: string; dryRun: boolean }) => call(commands.runAlertAction(id, action, entityId, dryRun)),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ["get_alert"] });
    },
  });
}

export function useIpRanges() {
  return useQuery({ queryKey: ["list_ip_ranges"], queryFn: () => call(commands.listIpRanges()) });
}

export function useAddIpRange() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ cidr, tag, name }: { cidr: string; tag: IpTag; name: string }) => call(commands.addIpRange(cidr, tag, name)),
    onSuccess: () => client.invalidateQueries({ queryKey: ["list_ip_ranges"] }),
  });
}

export function useRemoveIpRange() {
  const client = useQueryClient();
  return useMutation({ mutationFn: (cidr: string) => call(commands.removeIpRange(cidr)), onSuccess: () => client.invalidateQueries({ queryKey: ["list_ip_ranges"] }) });
}

export function useForwardTargets() {
  return useQuery({ queryKey: ["list_forward_targets"], queryFn: () => call(commands.listForwardTargets()) });
}

export function useDeliveries() {
  return useQuery({ queryKey: ["list_deliveries"], queryFn: () => call(commands.listDeliveries(50)), refetchInterval: 10_000 });
}

function useInvalidateForwarding() {
  const client = useQueryClient();
  return () => {
    void client.invalidateQueries({ queryKey: ["list_forward_targets"] });
    void client.invalidateQueries({ queryKey: ["list_deliveries"] });
  };
}

export function useSaveForwardTarget() {
  const done = useInvalidateForwarding();
  return useMutation({ mutationFn: ({ id, input }: { id: string | null; input: ForwardTargetInput }) => call(commands.saveForwardTarget(id, input)), onSuccess: done });
}

export function useDeleteForwardTarget() {
  const done = useInvalidateForwarding();
  return useMutation({ mutationFn: (id: string) => call(commands.deleteForwardTarget(id)), onSuccess: done });
}

export function useTestForwardTarget() {
  const done = useInvalidateForwarding();
  return useMutation({ mutationFn: (id: string) => call(commands.testForwardTarget(id)), onSuccess: done });
}

export function useRetryDeliveries() {
  const done = useInvalidateForwarding();
  return useMutation({ mutationFn: (targetId: string | null) => call(commands.retryDeliveries(targetId)), onSuccess: done });
}

export function day(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 16);
}
