import { Alert, Anchor, Badge, Button, Drawer, Group, Loader, Modal, Select, Stack, Table, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconBan, IconCheck, IconRosetteDiscountCheck, IconSearch } from "@tabler/icons-react";
import { useEffect, useMemo, useState } from "react";
import { Link } from "react-router";
import { QueryError } from "../../components/QueryError";
import { permissionLevels, useBanOauthApp, useOauthApps, useSetOauthAppStatus, type BanReport, type OauthAppFilter, type OauthAppRow, type OauthAppStatus, type PermissionLevel } from "./api";
import { appName } from "../connectors/appNames";

const statusColor: Record<OauthAppStatus, string> = { approved: "teal", banned: "red", unset: "gray" };
const outcomeColor: Record<string, string> = { planned: "blue", revoked: "teal", already_gone: "gray", failed: "red", manual: "orange" };
const outcomeLabel: Record<string, string> = { planned: "to revoke", revoked: "revoked", already_gone: "gone", failed: "failed", manual: "by hand" };

function day(ms: number | null): string {
  return ms === null ? "—" : new Date(ms).toISOString().slice(0, 10);
}

function LevelBadge({ level }: { level: PermissionLevel }) {
  const l = permissionLevels.find((x) => x.value === level);
  return (
    <Badge color={l?.color ?? "gray"} variant="light" size="sm">
      {level}
    </Badge>
  );
}

function Steps({ report }: { report: BanReport }) {
  if (report.steps.length === 0)
    return (
      <Text size="sm" c="dimmed">
        It holds no grant: nothing to revoke.
      </Text>
    );
  return (
    <Table fz="xs" data-testid="ban-steps">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Instance</Table.Th>
          <Table.Th>Granted by</Table.Th>
          <Table.Th>What</Table.Th>
          <Table.Th w={100}>Result</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {report.steps.map((s, i) => (
          <Table.Tr key={`${s.grant_id}-${String(i)}`} data-testid="ban-step" data-outcome={s.outcome}>
            <Table.Td>{s.instance_name}</Table.Td>
            <Table.Td>{s.principal ?? "an administrator, for everyone"}</Table.Td>
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
            <Table.Td>
              <Badge size="xs" color={outcomeColor[s.outcome] ?? "gray"}>
                {outcomeLabel[s.outcome] ?? s.outcome}
              </Badge>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Ban: the dry run first (exactly what will be revoked), then the analyst confirms. */
function BanDialog({ app, onClose }: { app: OauthAppRow | null; onClose: () => void }) {
  const ban = useBanOauthApp();
  const [plan, setPlan] = useState<BanReport | null>(null);
  const [done, setDone] = useState<BanReport | null>(null);
  const key = app?.key ?? null;
  const { mutate } = ban;
  // Opening the dialog runs the dry run: the analyst sees exactly what will be revoked.
  useEffect(() => {
    if (key === null) return;
    mutate(
      { key, dryRun: true },
      {
        onSuccess: (r) => {
          setPlan(r);
        },
      },
    );
  }, [key, mutate]);
  const close = () => {
    setPlan(null);
    setDone(null);
    onClose();
  };
  const api = plan?.steps.filter((s) => s.outcome === "planned").length ?? 0;
  const manual = plan?.steps.filter((s) => s.outcome === "manual").length ?? 0;
  return (
    <Modal opened={app !== null} onClose={close} title={`Ban ${app?.name ?? ""}`} size="xl" data-testid="ban-dialog">
      <Stack gap="sm">
        {ban.isPending && <Loader size="sm" />}
        {ban.isError && <QueryError title="Cannot ban this app" error={ban.error} onRetry={close} />}
        {plan && !done && (
          <>
            <Text size="sm" data-testid="ban-summary">
              {api > 0 ? `${String(api)} request${api === 1 ? "" : "s"} to the vendor will revoke its grants` : "No grant can be revoked through the vendor's API"}
              {manual > 0 ? `; ${String(manual)} must be removed by hand (how is shown)` : ""}. It is marked banned. This is the dry run: nothing was changed yet.
            </Text>
            <Steps report={plan} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button
                color="red"
                leftSection={<IconBan size={16} />}
                loading={ban.isPending}
                onClick={() => {
                  if (!app) return;
                  ban.mutate(
                    { key: app.key, dryRun: false },
                    {
                      onSuccess: (r) => {
                        setDone(r);
                        const failed = r.steps.filter((s) => s.outcome === "failed").length;
                        notifications.show({
                          color: failed > 0 ? "orange" : "teal",
                          title: `${r.app.name} banned`,
                          message: failed > 0 ? `${String(failed)} grants could not be revoked: see why in the list.` : "Every grant it held through the API is revoked.",
                        });
                      },
                    },
                  );
                }}
                data-testid="ban-confirm"
              >
                Ban and revoke
              </Button>
            </Group>
          </>
        )}
        {done && (
          <>
            <Text size="sm" data-testid="ban-done">
              {done.app.name} is banned. What happened to each grant:
            </Text>
            <Steps report={done} />
            <Group justify="flex-end">
              <Button onClick={close} data-testid="ban-close">
                Close
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </Modal>
  );
}

function Detail({ app, onClose, onBan }: { app: OauthAppRow | null; onClose: () => void; onBan: (a: OauthAppRow) => void }) {
  const setStatus = useSetOauthAppStatus();
  return (
    <Drawer opened={app !== null} onClose={onClose} position="right" size="xl" title={app?.name ?? "OAuth app"} data-testid="oauth-drawer">
      {app && (
        <Stack gap="sm">
          <Group gap="xs">
            <LevelBadge level={app.level} />
            <Badge color={statusColor[app.status]} variant="outline" size="sm">
              {app.status}
            </Badge>
            <Text size="sm">
              {appName(app.app)} · {app.publisher ?? "publisher not reported"}
              {app.publisher_verified ? " (verified)" : ""}
            </Text>
          </Group>
          <Text size="sm">
            Granted by {app.org_wide ? "an administrator for everyone" : `${String(app.users)} ${app.users === 1 ? "person" : "people"}`} in{" "}
            {app.instances.join(", ") || "—"}; first seen {day(app.first_seen_ms)}, last seen {day(app.last_seen_ms)}.
          </Text>
          <Text size="xs" c="dimmed" data-testid="oauth-community">
            Community use (how common this app is in other organisations) is not shown: it needs data pooled from many tenants, and Cloudwarden keeps your data on this machine.
          </Text>
          <Group gap="xs">
            <Button
              variant="default"
              leftSection={<IconCheck size={16} />}
              disabled={app.status === "approved"}
              loading={setStatus.isPending}
              onClick={() => {
                setStatus.mutate({ key: app.key, status: "approved" }, { onSuccess: onClose });
              }}
              data-testid="oauth-approve"
            >
              Approve
            </Button>
            {app.status !== "unset" && (
              <Button
                variant="subtle"
                onClick={() => {
                  setStatus.mutate({ key: app.key, status: "unset" }, { onSuccess: onClose });
                }}
              >
                Clear decision
              </Button>
            )}
            <Button
              color="red"
              leftSection={<IconBan size={16} />}
              onClick={() => {
                onBan(app);
              }}
              data-testid="oauth-ban"
            >
              Ban…
            </Button>
          </Group>
          <Title order={5}>Permissions</Title>
          <Table fz="sm" data-testid="oauth-permissions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Permission</Table.Th>
                <Table.Th>Level</Table.Th>
                <Table.Th>What it allows</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {app.permissions.map((p) => (
                <Table.Tr key={`${p.kind}-${p.name}`}>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {p.name}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {p.kind}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <LevelBadge level={p.level} />
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{p.reason}</Text>
                    {p.source && (
                      <Anchor href={p.source} target="_blank" size="xs">
                        source
                      </Anchor>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Drawer>
  );
}

/** Third-party apps holding access to the connected instances, with what they can do. */
export function OauthAppsPage() {
  const [text, setText] = useState("");
  const [level, setLevel] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [open, setOpen] = useState<OauthAppRow | null>(null);
  const [banning, setBanning] = useState<OauthAppRow | null>(null);
  const [q] = useDebouncedValue(text, 300);
  const filter: OauthAppFilter = {
    level: permissionLevels.find((l) => l.value === level)?.value ?? null,
    status: status === "approved" || status === "banned" || status === "unset" ? status : null,
    app: null,
    text: q.trim() || null,
  };
  const apps = useOauthApps(filter);
  const rows = useMemo(() => apps.data?.pages.flatMap((p) => p.items) ?? [], [apps.data]);
  const filtered = filter.level !== null || filter.status !== null || filter.text !== null;
  return (
    <Stack gap="md">
      <div>
        <Title order={2}>OAuth apps</Title>
        <Text c="dimmed" size="sm">
          Third-party apps that hold access to the connected instances — what they may do, who granted it — and your decision on each.
        </Text>
      </div>
      <Group align="flex-end" gap="sm">
        <TextInput
          label="Search"
          placeholder="app or publisher"
          leftSection={<IconSearch size={14} />}
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
          }}
          w={220}
          data-testid="oauth-search"
        />
        <Select label="Permission level" placeholder="Any level" clearable data={permissionLevels.map((l) => ({ value: l.value, label: l.label }))} value={level} onChange={setLevel} w={170} data-testid="oauth-level" />
        <Select
          label="Status"
          placeholder="Any status"
          clearable
          data={[
            { value: "approved", label: "Approved" },
            { value: "banned", label: "Banned" },
            { value: "unset", label: "Not decided" },
          ]}
          value={status}
          onChange={setStatus}
          w={160}
          data-testid="oauth-status"
        />
      </Group>
      {apps.isError && <QueryError title="Cannot read the OAuth apps" error={apps.error} onRetry={() => void apps.refetch()} />}
      {apps.isPending && <Loader size="sm" />}
      {apps.data && rows.length === 0 && (
        <Alert color="gray" data-testid="oauth-empty">
          {filtered ? (
            "No app matches these filters."
          ) : (
            <>
              No OAuth apps yet: <Link to="/connectors">connect Microsoft 365 or GitHub</Link> and scan it — the apps people and administrators granted access appear here.
            </>
          )}
        </Alert>
      )}
      {rows.length > 0 && (
        <Table highlightOnHover fz="sm" data-testid="oauth-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>App</Table.Th>
              <Table.Th>Level</Table.Th>
              <Table.Th>Granted by</Table.Th>
              <Table.Th>Instances</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Last seen</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((a) => (
              <Table.Tr
                key={a.key}
                style={{ cursor: "pointer" }}
                onClick={() => {
                  setOpen(a);
                }}
                data-testid="oauth-row"
                data-key={a.key}
              >
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <Text size="sm" fw={500}>
                      {a.name}
                    </Text>
                    {a.publisher_verified && (
                      <Tooltip label="Publisher verified by the vendor">
                        <IconRosetteDiscountCheck size={14} color="var(--mantine-color-blue-6)" />
                      </Tooltip>
                    )}
                  </Group>
                  <Text size="xs" c="dimmed">
                    {appName(a.app)} · {a.publisher ?? "publisher not reported"}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Tooltip
                    label={a.permissions
                      .filter((p) => p.level === a.level)
                      .slice(0, 3)
                      .map((p) => `${p.name}: ${p.reason}`)
                      .join(" · ")}
                    multiline
                    w={360}
                    disabled={a.permissions.length === 0}
                  >
                    <span>
                      <LevelBadge level={a.level} />
                    </span>
                  </Tooltip>
                </Table.Td>
                <Table.Td>{a.org_wide ? "Admin, for everyone" : `${String(a.users)} ${a.users === 1 ? "person" : "people"}`}</Table.Td>
                <Table.Td>{a.instances.join(", ") || "—"}</Table.Td>
                <Table.Td>
                  <Badge color={statusColor[a.status]} variant="outline" size="sm">
                    {a.status === "unset" ? "not decided" : a.status}
                  </Badge>
                </Table.Td>
                <Table.Td>{day(a.last_seen_ms)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {apps.hasNextPage && (
        <Button variant="default" loading={apps.isFetchingNextPage} onClick={() => void apps.fetchNextPage()}>
          Show more apps
        </Button>
      )}
      <Detail
        app={open}
        onClose={() => {
          setOpen(null);
        }}
        onBan={(a) => {
          setOpen(null);
          setBanning(a);
        }}
      />
      <BanDialog
        app={banning}
        onClose={() => {
          setBanning(null);
        }}
      />
    </Stack>
  );
}
