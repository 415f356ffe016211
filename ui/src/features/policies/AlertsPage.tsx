import { Alert as Notice, Anchor, Badge, Button, Checkbox, Drawer, Group, Loader, Menu, Modal, Select, Stack, Table, Text, Textarea, TextInput, Timeline, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconCheck, IconChevronDown, IconPlayerPlay, IconRotate, IconX } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { QueryError } from "../../components/QueryError";
import {
  day,
  resolutionLabel,
  severityColor,
  statusColor,
  statusLabel,
  useAlert,
  useAlertActions,
  useAlerts,
  useAssignAlert,
  useCommentAlert,
  usePolicies,
  useRunAlertAction,
  useSetAlertsStatus,
  type ActionOption,
  type ActionReport,
  type Alert,
  type AlertFilter,
  type AlertStatus,
  type Entity,
  type Evidence,
  type Resolution,
  type Severity,
} from "./api";

/** Where an entity's page is. */
function entityLink(e: Entity): string | null {
  const q = encodeURIComponent(e.id);
  switch (e.kind) {
    case "account":
    case "person":
      return `/activities?user=${q}`;
    case "ip":
      return `/activities?ip=${q}`;
    case "file":
      return `/activities?object=${q}`;
    case "oauth_app":
      return "/oauth-apps";
    case "app":
      return `/catalog/app/${q}`;
    case "instance":
      return "/connectors";
    default:
      return null;
  }
}

const entityKind: Record<string, string> = { person: "Person", account: "Account", app: "App", instance: "Instance", ip: "IP address", file: "File", oauth_app: "OAuth app", country: "Country" };

function EntityList({ entities }: { entities: Entity[] }) {
  return (
    <Group gap={6} data-testid="alert-entities">
      {entities.map((e) => {
        const to = entityLink(e);
        const label = `${entityKind[e.kind] ?? e.kind}: ${e.label}`;
        return to ? (
          <Badge key={`${e.kind}-${e.id}`} component={Link} to={to} variant="light" style={{ cursor: "pointer", textTransform: "none" }} data-testid="alert-entity" data-kind={e.kind}>
            {label}
          </Badge>
        ) : (
          <Badge key={`${e.kind}-${e.id}`} variant="outline" color="gray" style={{ textTransform: "none" }} data-testid="alert-entity" data-kind={e.kind}>
            {label}
          </Badge>
        );
      })}
    </Group>
  );
}

function evidenceLink(e: Evidence): string | null {
  switch (e.kind) {
    case "file":
      return `/activities?object=${encodeURIComponent(e.ref_id)}`;
    case "oauth_app":
      return "/oauth-apps";
    case "discovery_app": {
      const app = e.ref_id.split("/")[1];
      return app ? `/catalog/app/${encodeURIComponent(app)}` : null;
    }
    default:
      return null;
  }
}

/** Status changes for one alert or several (bulk): start, resolve with a verdict, dismiss, reopen. */
function StatusMenu({ ids, current, onDone }: { ids: string[]; current: AlertStatus | null; onDone?: () => void }) {
  const set = useSetAlertsStatus();
  const go = (status: AlertStatus, resolution: Resolution | null) => {
    set.mutate(
      { ids, status, resolution, note: null },
      {
        onSuccess: () => {
          notifications.show({ color: "teal", message: `${String(ids.length)} alert${ids.length === 1 ? "" : "s"}: ${statusLabel[status].toLowerCase()}${resolution ? ` (${resolutionLabel[resolution].toLowerCase()})` : ""}` });
          onDone?.();
        },
        onError: (e) => {
          notifications.show({ color: "red", title: "Cannot change the status", message: String(e) });
        },
      },
    );
  };
  const closed = current === "resolved" || current === "dismissed";
  return (
    <Group gap="xs">
      {!closed && current !== "in_progress" && (
        <Button size="xs" variant="default" leftSection={<IconPlayerPlay size={14} />} loading={set.isPending} disabled={ids.length === 0} onClick={() => { go("in_progress", null); }} data-testid="alert-start">
          Start
        </Button>
      )}
      {!closed && (
        <Menu>
          <Menu.Target>
            <Button size="xs" color="teal" rightSection={<IconChevronDown size={14} />} leftSection={<IconCheck size={14} />} disabled={ids.length === 0} data-testid="alert-resolve">
              Resolve
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            {(Object.keys(resolutionLabel) as Resolution[]).map((r) => (
              <Menu.Item key={r} onClick={() => { go("resolved", r); }} data-testid={`alert-resolve-${r}`}>
                {resolutionLabel[r]}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
      )}
      {!closed && (
        <Button size="xs" variant="default" leftSection={<IconX size={14} />} disabled={ids.length === 0} onClick={() => { go("dismissed", null); }} data-testid="alert-dismiss">
          Dismiss
        </Button>
      )}
      {closed && (
        <Button size="xs" variant="default" leftSection={<IconRotate size={14} />} onClick={() => { go("open", null); }} data-testid="alert-reopen">
          Reopen
        </Button>
      )}
    </Group>
  );
}

const outcomeColor: Record<string, string> = { planned: "blue", revoked: "teal", already_gone: "gray", failed: "red", manual: "orange" };
const outcomeLabel: Record<string, string> = { planned: "to send", revoked: "done", already_gone: "gone", failed: "failed", manual: "by hand" };

/** Governance: each action the alert allows, a dry run first (every request shown), then the analyst confirms. */
function Actions({ alertId }: { alertId: string }) {
  const options = useAlertActions(alertId);
  const run = useRunAlertAction();
  const [chosen, setChosen] = useState<ActionOption | null>(null);
  const [report, setReport] = useState<ActionReport | null>(null);
  if (!options.data || options.data.length === 0) return null;
  const dry = (o: ActionOption) => {
    setChosen(o);
    setReport(null);
    run.mutate({ id: alertId, action: o.action, entityId: o.entity.id, dryRun: true }, { onSuccess: setReport });
  };
  const close = () => {
    setChosen(null);
    setReport(null);
    run.reset();
  };
  return (
    <>
      <Title order={5}>Actions</Title>
      <Group gap="xs" data-testid="alert-actions">
        {options.data.map((o) => (
          <Button key={`${o.action}-${o.entity.id}`} size="xs" variant="light" color="orange" onClick={() => { dry(o); }} data-testid="alert-action" data-action={o.action}>
            {o.label}
          </Button>
        ))}
      </Group>
      <Modal opened={chosen !== null} onClose={close} title={chosen?.label ?? ""} size="xl" data-testid="action-dialog">
        <Stack gap="sm">
          {run.isPending && <Loader size="sm" />}
          {run.isError && <QueryError title="The action failed" error={run.error} onRetry={close} />}
          {report && (
            <>
              <Text size="sm" data-testid="action-summary">
                {report.dry_run ? "Dry run — nothing was sent yet. These requests will be sent:" : "Done. What happened:"}
              </Text>
              <Table fz="xs" data-testid="action-steps">
                <Table.Tbody>
                  {report.steps.map((s, i) => (
                    <Table.Tr key={`${s.what}-${String(i)}`} data-testid="action-step" data-outcome={s.outcome}>
                      <Table.Td>
                        <Text size="xs">{s.what}</Text>
                        {s.request && (
                          <Text size="xs" c="dimmed" ff="monospace" style={{ wordBreak: "break-all" }}>
                            {s.request}
                          </Text>
                        )}
                        {s.detail && (
                          <Text size="xs" c={s.outcome === "failed" ? "red" : "dimmed"}>
                            {s.detail}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td w={90}>
                        <Badge size="xs" color={outcomeColor[s.outcome] ?? "gray"}>
                          {outcomeLabel[s.outcome] ?? s.outcome}
                        </Badge>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <Group justify="flex-end">
                <Button variant="default" onClick={close}>
                  {report.dry_run ? "Cancel" : "Close"}
                </Button>
                {report.dry_run && chosen && (
                  <Button
                    color="red"
                    loading={run.isPending}
                    onClick={() => {
                      run.mutate({ id: alertId, action: chosen.action, entityId: chosen.entity.id, dryRun: false }, { onSuccess: setReport });
                    }}
                    data-testid="action-confirm"
                  >
                    Confirm
                  </Button>
                )}
              </Group>
            </>
          )}
        </Stack>
      </Modal>
    </>
  );
}

function AlertDrawer({ id, onClose }: { id: string | null; onClose: () => void }) {
  const detail = useAlert(id);
  const comment = useCommentAlert();
  const assign = useAssignAlert();
  const [text, setText] = useState("");
  const [assignee, setAssignee] = useState<string | null>(null);
  const d = detail.data;
  const sigma = d?.policy?.definition.kind === "sigma" ? d.policy.definition : null;
  return (
    <Drawer opened={id !== null} onClose={onClose} position="right" size="xl" title={d?.alert.title ?? "Alert"} data-testid="alert-drawer">
      {detail.isPending && id !== null && <Loader size="sm" />}
      {detail.isError && <QueryError title="Cannot read the alert" error={detail.error} onRetry={() => void detail.refetch()} />}
      {d && (
        <Stack gap="sm">
          <Group gap="xs">
            <Badge color={severityColor[d.alert.severity]}>{d.alert.severity}</Badge>
            <Badge color={statusColor[d.alert.status]} variant="outline" data-testid="alert-status">
              {statusLabel[d.alert.status]}
              {d.alert.resolution ? ` · ${resolutionLabel[d.alert.resolution]}` : ""}
            </Badge>
            <Text size="sm" c="dimmed">
              {d.alert.count} record{d.alert.count === 1 ? "" : "s"} · first {day(d.alert.first_seen_ms)} · last {day(d.alert.last_seen_ms)}
            </Text>
          </Group>
          <Text size="sm" data-testid="alert-description">
            {d.alert.description}
          </Text>
          <Text size="sm">
            Policy: <Anchor component={Link} to="/policies">{d.alert.policy_name}</Anchor>
            {sigma && (
              <Text span size="sm" c="dimmed" data-testid="alert-sigma-author">
                {" "}
                · Sigma rule by {sigma.author} (Detection Rule License 1.1)
              </Text>
            )}
          </Text>
          <EntityList entities={d.alert.entities} />
          <StatusMenu ids={[d.alert.id]} current={d.alert.status} />
          <Actions alertId={d.alert.id} />
          <Group gap="xs" align="flex-end">
            <TextInput
              size="xs"
              label="Assigned to"
              placeholder="nobody"
              value={assignee ?? d.alert.assignee ?? ""}
              onChange={(e) => {
                setAssignee(e.currentTarget.value);
              }}
              w={220}
            />
            <Button
              size="xs"
              variant="default"
              disabled={assignee === null}
              loading={assign.isPending}
              onClick={() => {
                assign.mutate({ id: d.alert.id, assignee: assignee?.trim() ? assignee.trim() : null }, { onSuccess: () => { setAssignee(null); } });
              }}
            >
              Assign
            </Button>
          </Group>
          <Title order={5}>Evidence</Title>
          <Table fz="xs" data-testid="alert-evidence">
            <Table.Tbody>
              {d.evidence.map((e) => {
                const to = evidenceLink(e);
                return (
                  <Table.Tr key={`${e.kind}-${e.ref_id}-${String(e.occurred_at_ms)}`} data-testid="alert-evidence-row">
                    <Table.Td w={130}>{e.occurred_at_ms > 0 ? day(e.occurred_at_ms) : "—"}</Table.Td>
                    <Table.Td>{to ? <Anchor component={Link} to={to} size="xs">{e.summary}</Anchor> : e.summary}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          {sigma && sigma.false_positives.length > 0 && (
            <Notice color="gray" title="Known false positives">
              {sigma.false_positives.join(" · ")}
            </Notice>
          )}
          <Title order={5}>History</Title>
          {d.comments.length === 0 && (
            <Text size="sm" c="dimmed">
              Nothing yet.
            </Text>
          )}
          <Timeline bulletSize={12} lineWidth={1} data-testid="alert-history">
            {d.comments.map((c, i) => (
              <Timeline.Item key={`${String(c.at_ms)}-${String(i)}`} title={<Text size="xs" c="dimmed">{`${day(c.at_ms)} · ${c.author} · ${c.kind}`}</Text>}>
                <Text size="sm">{c.text}</Text>
              </Timeline.Item>
            ))}
          </Timeline>
          <Textarea
            placeholder="Add a comment (what you checked, who you called)"
            value={text}
            onChange={(e) => {
              setText(e.currentTarget.value);
            }}
            rows={3}
            data-testid="alert-comment"
          />
          <Group justify="flex-end">
            <Button
              size="xs"
              disabled={text.trim() === ""}
              loading={comment.isPending}
              onClick={() => {
                comment.mutate({ id: d.alert.id, text }, { onSuccess: () => { setText(""); } });
              }}
            >
              Comment
            </Button>
          </Group>
        </Stack>
      )}
    </Drawer>
  );
}

const statuses: AlertStatus[] = ["open", "in_progress", "resolved", "dismissed"];
const severities: Severity[] = ["high", "medium", "low"];

/** The alert queue: filtered and sorted newest first, with triage one by one or in bulk. */
export function AlertsPage() {
  const [params, setParams] = useSearchParams();
  const set = (k: string, v: string | null) => {
    const next = new URLSearchParams(params);
    if (v) next.set(k, v);
    else next.delete(k);
    setParams(next, { replace: true });
  };
  const status = statuses.find((s) => s === params.get("status")) ?? null;
  const severity = severities.find((s) => s === params.get("severity")) ?? null;
  const filter: AlertFilter = { status, severity, policy_id: params.get("policy"), entity: params.get("entity") };
  const alerts = useAlerts(filter);
  const policies = usePolicies();
  const rows = useMemo(() => alerts.data?.pages.flatMap((p) => p.items) ?? [], [alerts.data]);
  const [selected, setSelected] = useState<string[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const filtered = status !== null || severity !== null || filter.policy_id !== null || filter.entity !== null;
  const toggle = (a: Alert) => {
    setSelected((s) => (s.includes(a.id) ? s.filter((x) => x !== a.id) : [...s, a.id]));
  };
  return (
    <Stack gap="md">
      <div>
        <Title order={2}>Alerts</Title>
        <Text c="dimmed" size="sm">
          What your policies found, newest first. Open one to see its evidence and the people, addresses, files and apps it names; move it to in progress, then resolve it with what it turned out to be.
        </Text>
      </div>
      <Group align="flex-end" gap="sm">
        <Select label="Status" placeholder="Any status" clearable data={statuses.map((s) => ({ value: s, label: statusLabel[s] }))} value={status} onChange={(v) => { set("status", v); }} w={160} data-testid="alerts-status" />
        <Select label="Severity" placeholder="Any severity" clearable data={severities.map((s) => ({ value: s, label: s }))} value={severity} onChange={(v) => { set("severity", v); }} w={150} data-testid="alerts-severity" />
        <Select label="Policy" placeholder="Any policy" clearable searchable data={(policies.data ?? []).map((p) => ({ value: p.id, label: p.name }))} value={filter.policy_id} onChange={(v) => { set("policy", v); }} w={260} data-testid="alerts-policy" />
        <TextInput label="Names" placeholder="user, address, file…" defaultValue={filter.entity ?? ""} onBlur={(e) => { set("entity", e.currentTarget.value.trim() || null); }} w={220} data-testid="alerts-entity" />
      </Group>
      {selected.length > 0 && (
        <Group gap="sm" data-testid="alerts-bulk">
          <Text size="sm">{selected.length} selected:</Text>
          <StatusMenu ids={selected} current={null} onDone={() => { setSelected([]); }} />
        </Group>
      )}
      {alerts.isError && <QueryError title="Cannot read the alerts" error={alerts.error} onRetry={() => void alerts.refetch()} />}
      {alerts.isPending && <Loader size="sm" />}
      {alerts.data && rows.length === 0 && (
        <Notice color="gray" data-testid="alerts-empty">
          {filtered ? (
            "No alert matches these filters."
          ) : (
            <>
              No alerts. Alerts come from enabled policies after each scan and upload: <Link to="/policies">create one from a template</Link>, test it, and enable it.
            </>
          )}
        </Notice>
      )}
      {rows.length > 0 && (
        <Table highlightOnHover fz="sm" data-testid="alerts-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={32}>
                <Checkbox
                  aria-label="Select all"
                  checked={selected.length === rows.length}
                  indeterminate={selected.length > 0 && selected.length < rows.length}
                  onChange={() => {
                    setSelected(selected.length === rows.length ? [] : rows.map((r) => r.id));
                  }}
                />
              </Table.Th>
              <Table.Th>Severity</Table.Th>
              <Table.Th>Alert</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Records</Table.Th>
              <Table.Th>Last seen</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((a) => (
              <Table.Tr key={a.id} data-testid="alert-row" data-status={a.status} style={{ cursor: "pointer" }} onClick={() => { setOpen(a.id); }}>
                <Table.Td onClick={(e) => { e.stopPropagation(); }}>
                  <Checkbox aria-label={`Select ${a.title}`} checked={selected.includes(a.id)} onChange={() => { toggle(a); }} />
                </Table.Td>
                <Table.Td>
                  <Badge color={severityColor[a.severity]} size="sm">
                    {a.severity}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {a.title}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {a.policy_name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge color={statusColor[a.status]} variant="outline" size="sm">
                    {statusLabel[a.status]}
                  </Badge>
                </Table.Td>
                <Table.Td>{a.count}</Table.Td>
                <Table.Td>{day(a.last_seen_ms)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {alerts.hasNextPage && (
        <Button variant="default" loading={alerts.isFetchingNextPage} onClick={() => void alerts.fetchNextPage()}>
          Show more alerts
        </Button>
      )}
      <AlertDrawer id={open} onClose={() => { setOpen(null); }} />
    </Stack>
  );
}
