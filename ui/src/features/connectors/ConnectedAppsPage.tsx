import { ActionIcon, Badge, Button, Card, Checkbox, Group, Loader, Menu, Modal, Stack, Table, Text, Title, Tooltip, UnstyledButton } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconBrandGithub, IconDots, IconPlugConnected, IconPlus } from "@tabler/icons-react";
import { useState } from "react";
import { QueryError } from "../../components/QueryError";
import { formatCount, formatTime } from "../discovery/format";
import {
  cancelScan,
  useInstances,
  useRemoveInstance,
  useScanInstance,
  useSetInstanceEnabled,
  useTestConnection,
  type InstanceView,
} from "./api";
import { ConnectWizard } from "./ConnectWizard";
import { InstanceDrawer } from "./InstanceDrawer";
import { statusColor } from "./status";

function Actions({ instance, onScan }: { instance: InstanceView; onScan: () => void }) {
  const test = useTestConnection();
  const enable = useSetInstanceEnabled();
  const remove = useRemoveInstance();
  const [removing, setRemoving] = useState(false);
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

/** Connected apps: instances with status, last scan and record counts; connect, scan, manage. */
export function ConnectedAppsPage() {
  const instances = useInstances();
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
              Connect a GitHub organisation to see its members and owners, outside collaborators, teams, audit log,
              repositories with their visibility and collaborators, and the GitHub Apps installed on it. The wizard says
              exactly what to create on GitHub first.
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
                    <IconBrandGithub size={18} />
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
                        {i.app}
                      </Text>
                    </div>
                  </Group>
                </Table.Td>
                <Table.Td maw={280}>
                  <Tooltip label={i.status_detail ?? i.status} multiline maw={360} disabled={!i.status_detail}>
                    <Badge color={statusColor[i.status] ?? "gray"} data-testid={`instance-status-${i.name}`}>
                      {i.status}
                    </Badge>
                  </Tooltip>
                  {i.status_detail && (
                    <Text size="xs" c="dimmed" lineClamp={2}>
                      {i.status_detail}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{formatTime(i.last_scan_at)}</Table.Td>
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
