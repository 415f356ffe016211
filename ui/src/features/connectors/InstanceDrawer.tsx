import { Badge, Code, Drawer, Group, Stack, Table, Text, Title } from "@mantine/core";
import { IconCheck, IconX } from "@tabler/icons-react";
import { formatDuration, formatTime } from "../discovery/format";
import { useLastScan, type InstanceView } from "./api";
import { phaseLabel, phaseRecords, phaseStatusColor, statusColor } from "./status";
import { appName } from "./appNames";

/** 900 → "15 min", 43200 → "12 h". */
function every(seconds: number): string {
  if (seconds % 3600 === 0) return `${String(seconds / 3600)} h`;
  if (seconds % 60 === 0) return `${String(seconds / 60)} min`;
  return `${String(seconds)} s`;
}

/** An instance: status with the fix, granted permissions, the last scan per phase. */
export function InstanceDrawer({ instance, onClose }: { instance: InstanceView; onClose: () => void }) {
  const last = useLastScan(instance.id);
  const report = last.data ?? instance.last_run;
  const config = instance.config;
  return (
    <Drawer opened onClose={onClose} position="right" size="lg" title={<Text fw={700}>{instance.name}</Text>} data-testid="instance-drawer">
      <Stack gap="md">
        <Group gap="xs">
          <Badge color={statusColor[instance.status] ?? "gray"}>{instance.status}</Badge>
          <Text size="sm" c="dimmed">
            {appName(instance.app)} · last scan {formatTime(instance.last_scan_at)}
          </Text>
        </Group>
        {instance.status_detail && (
          <Text size="sm" data-testid="instance-detail">
            {instance.status_detail}
          </Text>
        )}
        <div>
          <Title order={5}>Connection</Title>
          {instance.app === "m365" ? (
            <Text size="sm">
              Tenant <Code>{config.tenant ?? ""}</Code> · Graph{" "}
              <Code>{config.api_url ?? "https://graph.microsoft.com/v1.0"}</Code>
            </Text>
          ) : (
            <Text size="sm">
              Organisation <Code>{config.org ?? ""}</Code> · API <Code>{config.api_url ?? "https://api.github.com"}</Code>
            </Text>
          )}
          <Text size="sm">
            Authorized with{" "}
            {{
              token: "a token",
              device: "an OAuth device code",
              authorization_code: "a browser sign-in (authorization code + PKCE)",
              client_credentials: "the app registration's client credentials",
            }[config.auth ?? "token"] ?? config.auth}
          </Text>
          <Text size="sm" data-testid="instance-schedule">
            Scans activities every {every(instance.activities_every_s)} and everything every{" "}
            {every(instance.full_every_s)}
          </Text>
          {instance.principal && (
            <Text size="sm">
              Credential of <b>{instance.principal}</b>
            </Text>
          )}
        </div>
        <div>
          <Title order={5}>Permissions</Title>
          <Text size="xs" c="dimmed" data-testid="instance-checked">
            {instance.checked_at === null
              ? "Not checked yet"
              : `Last health check ${formatTime(instance.checked_at)} UTC`}
          </Text>
          <Stack gap={4} mt={4} data-testid="instance-permissions">
            {instance.permissions.length === 0 && (
              <Text size="sm" c="dimmed">
                Not checked yet — use Test connection.
              </Text>
            )}
            {instance.permissions.map((p) => (
              <Group key={p.name} gap={6} wrap="nowrap" align="flex-start">
                {p.granted ? <IconCheck size={16} color="teal" /> : <IconX size={16} color="orange" />}
                <div>
                  <Text size="sm">{p.name}</Text>
                  {p.fix && (
                    <Text size="xs" c="dimmed">
                      {p.fix}
                    </Text>
                  )}
                </div>
              </Group>
            ))}
          </Stack>
        </div>
        {report && (
          <div>
            <Title order={5}>Last scan</Title>
            <Text size="xs" c="dimmed" mb={4}>
              {report.status} · {report.requests} requests · {report.retries} retries · {report.throttles} rate-limited ·{" "}
              {formatDuration("duration_ms" in report ? report.duration_ms : (report.finished_at ?? report.started_at) - report.started_at)}
            </Text>
            <Table fz="sm" withTableBorder data-testid="instance-phases">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Phase</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th ta="right">Records stored</Table.Th>
                  <Table.Th>Note</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {report.phases.map((p) => (
                  <Table.Tr key={p.phase}>
                    <Table.Td>{phaseLabel[p.phase] ?? p.phase}</Table.Td>
                    <Table.Td>
                      <Badge size="xs" color={phaseStatusColor[p.status] ?? "gray"} variant="light">
                        {p.status.replace("_", " ")}
                      </Badge>
                    </Table.Td>
                    <Table.Td ta="right">
                      {p.records}
                      {phaseRecords[p.phase] && (
                        <Text size="xs" c="dimmed">
                          {phaseRecords[p.phase]}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed">
                        {p.detail}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
      </Stack>
    </Drawer>
  );
}
