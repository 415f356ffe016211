import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Loader,
  Menu,
  Modal,
  PasswordInput,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconBrandGithub, IconBrandOffice, IconDots, IconPlugConnected, IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { QueryError } from "../../components/QueryError";
import { formatCount, formatTime } from "../discovery/format";
import {
  cancelScan,
  useInstances,
  useJobEvents,
  useRemoveInstance,
  useScanInstance,
  useSetInstanceEnabled,
  useAuthorize,
  useTestConnection,
  useUpdateCredentials,
  type InstanceView,
} from "./api";
import { ConnectWizard } from "./ConnectWizard";
import { InstanceDrawer } from "./InstanceDrawer";
import { statusColor } from "./status";

/** Edit credentials: a new token or client secret, or sign in again in the browser. */
function EditCredentials({ instance, onClose }: { instance: InstanceView; onClose: () => void }) {
  const update = useUpdateCredentials();
  const authorize = useAuthorize();
  const [value, setValue] = useState("");
  const auth = instance.config.auth ?? "token";
  const done = update.data ?? authorize.finish.data;
  const error = update.error ?? authorize.start.error ?? authorize.finish.error;
  return (
    <Modal opened onClose={onClose} title={`Credentials of ${instance.name}`}>
      <Stack gap="sm">
        {auth === "token" || auth === "client_credentials" ? (
          <>
            <Text size="sm">
              {auth === "token"
                ? "Paste a new token. It replaces the old one in the keychain once the vendor accepts it."
                : "Paste a new client secret of the app registration (Certificates & secrets). A token is requested with it before the old one is replaced."}
            </Text>
            <PasswordInput
              label={auth === "token" ? "New token" : "New client secret value"}
              value={value}
              onChange={(e) => {
                setValue(e.currentTarget.value);
              }}
              data-testid="credentials-value"
            />
            <Group justify="flex-end">
              <Button
                loading={update.isPending}
                disabled={value.trim() === ""}
                onClick={() => {
                  update.mutate({
                    id: instance.id,
                    input: auth === "token" ? { token: value, client_secret: null } : { token: null, client_secret: value },
                  });
                }}
                data-testid="credentials-save"
              >
                Save and test
              </Button>
            </Group>
          </>
        ) : auth === "authorization_code" ? (
          <>
            <Text size="sm">Sign in again in the browser; the new tokens replace the old ones in the keychain.</Text>
            {authorize.finish.isPending && (
              <Group gap="xs">
                <Loader size="xs" />
                <Text size="sm" c="dimmed">
                  Waiting for the browser to come back…
                </Text>
              </Group>
            )}
            <Group justify="flex-end">
              <Button
                loading={authorize.start.isPending || authorize.finish.isPending}
                onClick={() => {
                  authorize.run({
                    app: instance.app,
                    name: instance.name,
                    org: instance.config.org,
                    tenant: instance.config.tenant,
                    client_id: instance.config.client_id ?? "",
                    client_secret: null,
                    api_url: instance.config.api_url,
                    login_url: null,
                    instance_id: instance.id,
                  });
                }}
              >
                Sign in again
              </Button>
            </Group>
          </>
        ) : (
          <Text size="sm">
            This instance was authorized with a device code. Remove it (keeping its data) and connect it again to
            authorize a new device code.
          </Text>
        )}
        {error && (
          <Alert color="red" role="alert">
            {error.message}
          </Alert>
        )}
        {done && (
          <Alert color={done.status === "connected" ? "teal" : "red"} data-testid="credentials-result">
            {done.status === "connected" ? "The new credentials work." : (done.status_detail ?? done.status)}
          </Alert>
        )}
      </Stack>
    </Modal>
  );
}

function Actions({ instance, onScan }: { instance: InstanceView; onScan: () => void }) {
  const test = useTestConnection();
  const enable = useSetInstanceEnabled();
  const remove = useRemoveInstance();
  const [removing, setRemoving] = useState(false);
  const [editing, setEditing] = useState(false);
  const [purge, setPurge] = useState(false);
  const disabled = instance.status === "disabled";
  const scanning = instance.status === "scanning";
  const fail = (what: string) => (e: Error) => {
    notifications.show({ color: "red", title: what, message: e.message });
  };
  return (
    <Group gap={4} wrap="nowrap" onClick={(e) => { e.stopPropagation(); }}>
      {scanning ? (
        <Button size="compact-xs" variant="default" onClick={() => { cancelScan(instance.id); }} data-testid={`instance-cancel-${instance.name}`}>
          Stop scan
        </Button>
      ) : (
        <Button size="compact-xs" variant="light" disabled={disabled} onClick={onScan} data-testid={`instance-scan-${instance.name}`}>
          Scan now
        </Button>
      )}
      <Menu position="bottom-end" withinPortal>
        <Menu.Target>
          <ActionIcon variant="subtle" aria-label={`Actions of ${instance.name}`} data-testid={`instance-menu-${instance.name}`}>
            <IconDots size={16} />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item disabled={disabled} onClick={() => { test.mutate(instance.id, { onError: fail("Test failed") }); }}>
            Test connection
          </Menu.Item>
          <Menu.Item onClick={() => { setEditing(true); }} data-testid={`instance-credentials-${instance.name}`}>
            Edit credentials…
          </Menu.Item>
          <Menu.Item
            onClick={() => { enable.mutate({ id: instance.id, enabled: disabled }, { onError: fail("Cannot change the instance") }); }}
            data-testid={`instance-toggle-${instance.name}`}
          >
            {disabled ? "Enable" : "Disable"}
          </Menu.Item>
          <Menu.Divider />
          <Menu.Item color="red" onClick={() => { setRemoving(true); }}>
            Remove…
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
      {editing && <EditCredentials instance={instance} onClose={() => { setEditing(false); }} />}
      <Modal opened={removing} onClose={() => { setRemoving(false); }} title={`Remove ${instance.name}?`}>
        <Stack gap="sm">
          <Text size="sm">The token is deleted from the keychain and the instance stops scanning.</Text>
          <Checkbox
            label="Also delete everything it read (accounts, activities, files, OAuth apps)"
            checked={purge}
            onChange={(e) => { setPurge(e.currentTarget.checked); }}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => { setRemoving(false); }}>
              Keep it
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() => {
                remove.mutate({ id: instance.id, purge }, { onSuccess: () => { setRemoving(false); }, onError: fail("Cannot remove") });
              }}
            >
              Remove
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Group>
  );
}

/** "in 14 min", "due now", "—" (disabled or in error). */
function nextScan(i: InstanceView): string {
  if (i.next_scan_at === null || i.status === "scanning") return "—";
  const min = Math.round((i.next_scan_at - Date.now()) / 60000);
  if (min <= 1) return "due now";
  return min < 120 ? `in ${String(min)} min` : `in ${String(Math.round(min / 60))} h`;
}

/** Connected apps: instances with status, last scan and record counts; connect, scan, manage. */
export function ConnectedAppsPage() {
  const instances = useInstances();
  const progress = useJobEvents();
  const scan = useScanInstance();
  const [wizard, setWizard] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const start = (i: InstanceView) => {
    scan.mutate(i.id, {
      onSuccess: (r) => {
        notifications.show({
          color: r.status === "completed" ? "teal" : r.status === "failed" ? "red" : "yellow",
          title: `Scan of ${i.name}: ${r.status}`,
          message: `${String(r.phases.reduce((n, p) => n + p.records, 0))} records, ${String(r.requests)} requests`,
        });
      },
      onError: (e) => {
        notifications.show({ color: "red", title: `Cannot scan ${i.name}`, message: e.message });
      },
    });
  };
  const current = instances.data?.find((i) => i.id === open);

  return (
    <Stack gap="md">
      <Group justify="space-between">
        <div>
          <Title order={2}>Connected apps</Title>
          <Text c="dimmed" size="sm">
            Your SaaS tenants, read through their APIs: accounts, admins, activities, files and the third-party apps
            that hold access.
          </Text>
        </div>
        <Button leftSection={<IconPlus size={16} />} onClick={() => { setWizard(true); }} data-testid="connect-app">
          Connect an app
        </Button>
      </Group>
      {instances.isPending && <Loader />}
      {instances.isError && <QueryError title="Cannot load the instances" error={instances.error} onRetry={() => void instances.refetch()} />}
      {instances.data?.length === 0 && (
        <Card withBorder padding="xl" data-testid="connectors-empty">
          <Stack align="center" gap="sm">
            <IconPlugConnected size={48} stroke={1.4} />
            <Title order={4}>No app connected yet</Title>
            <Text size="sm" c="dimmed" ta="center" maw={560}>
              Connect a Microsoft 365 tenant or a GitHub organisation to see its users and admins, groups, audit and
              sign-in activity, files or repositories with who they are shared with, and the third-party apps that
              hold access. The wizard says exactly what to register on the vendor side first.
            </Text>
            <Button leftSection={<IconPlus size={16} />} onClick={() => { setWizard(true); }}>
              Connect an app
            </Button>
          </Stack>
        </Card>
      )}
      {instances.data !== undefined && instances.data.length > 0 && (
        <Table highlightOnHover withTableBorder data-testid="instances-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Instance</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Last scan (UTC)</Table.Th>
              <Table.Th>Next scan</Table.Th>
              <Table.Th ta="right">Accounts</Table.Th>
              <Table.Th ta="right">Groups</Table.Th>
              <Table.Th ta="right">Activities</Table.Th>
              <Table.Th ta="right">Files</Table.Th>
              <Table.Th ta="right">OAuth apps</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {instances.data.map((i) => (
              <Table.Tr key={i.id} style={{ cursor: "pointer" }} onClick={() => { setOpen(i.id); }} data-testid={`instance-row-${i.name}`}>
                <Table.Td>
                  <Group gap="xs" wrap="nowrap">
                    {i.app === "m365" ? <IconBrandOffice size={18} /> : <IconBrandGithub size={18} />}
                    <div>
                      <UnstyledButton
                        onClick={(e) => {
                          e.stopPropagation();
                          setOpen(i.id);
                        }}
                        data-testid={`instance-open-${i.name}`}
                      >
                        <Text fw={500} size="sm" c="blue">
                          {i.name}
                        </Text>
                      </UnstyledButton>
                      <Text size="xs" c="dimmed">
                        {i.app === "m365" ? `Microsoft 365 · ${i.config.tenant ?? ""}` : `GitHub · ${i.config.org ?? ""}`}
                      </Text>
                    </div>
                  </Group>
                </Table.Td>
                <Table.Td miw={130} maw={280}>
                  <Tooltip label={i.status_detail ?? i.status} multiline maw={360} disabled={!i.status_detail}>
                    <Badge color={statusColor[i.status] ?? "gray"} data-testid={`instance-status-${i.name}`}>
                      {i.status}
                    </Badge>
                  </Tooltip>
                  {(progress[i.id] ?? i.status_detail) && (
                    <Text size="xs" c="dimmed" lineClamp={2} data-testid={`instance-detail-${i.name}`}>
                      {progress[i.id] ?? i.status_detail}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{formatTime(i.last_scan_at)}</Table.Td>
                <Table.Td data-testid={`instance-next-${i.name}`}>{nextScan(i)}</Table.Td>
                <Table.Td ta="right" data-testid={`instance-accounts-${i.name}`}>
                  {formatCount(i.counts.accounts)}
                </Table.Td>
                <Table.Td ta="right">{formatCount(i.counts.groups)}</Table.Td>
                <Table.Td ta="right">{formatCount(i.counts.activities)}</Table.Td>
                <Table.Td ta="right" data-testid={`instance-files-${i.name}`}>
                  {formatCount(i.counts.files)}
                </Table.Td>
                <Table.Td ta="right">{formatCount(i.counts.oauth_grants)}</Table.Td>
                <Table.Td>
                  <Actions instance={i} onScan={() => { start(i); }} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {wizard && (
        <ConnectWizard
          onClose={() => { setWizard(false); }}
          onConnected={(i) => {
            setWizard(false);
            start(i);
          }}
        />
      )}
      {current && <InstanceDrawer instance={current} onClose={() => { setOpen(null); }} />}
    </Stack>
  );
}
