import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  SegmentedControl,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from "@mantine/core";
import { IconCheck, IconCopy, IconRefresh } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { QueryError } from "../../components/QueryError";
import { useSetTheme, useSettings, useStatus, type Theme } from "./api";
import { DiscoverySettingsCard } from "../discovery/DiscoverySettingsCard";
import { AuditLogCard } from "./AuditLogCard";
import { ForwardingCard } from "../policies/ForwardingCard";
import { IpRangesCard } from "../policies/IpRangesCard";
import { ScoreMetricCard } from "./ScoreMetricCard";

function Row({ label, value, testId, copy }: { label: string; value: ReactNode; testId: string; copy?: string }) {
  return (
    <Table.Tr>
      <Table.Th w={210}>{label}</Table.Th>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          <Text size="sm" data-testid={testId} style={{ wordBreak: "break-all" }}>
            {value}
          </Text>
          {copy !== undefined && (
            <CopyButton value={copy}>
              {({ copied, copy: doCopy }) => (
                <Tooltip label={copied ? "Copied" : "Copy"}>
                  <ActionIcon variant="subtle" size="sm" onClick={doCopy} aria-label={`Copy ${label.toLowerCase()}`}>
                    {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
                  </ActionIcon>
                </Tooltip>
              )}
            </CopyButton>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

function StorageCard() {
  const status = useStatus();
  return (
    <Card withBorder padding="lg">
      <Group justify="space-between" mb="sm">
        <Title order={4}>Storage</Title>
        <Button
          size="xs"
          variant="subtle"
          leftSection={<IconRefresh size={14} />}
          loading={status.isFetching}
          onClick={() => void status.refetch()}
        >
          Recheck
        </Button>
      </Group>
      {status.isPending && <Skeleton h={160} />}
      {status.isError && (
        <QueryError title="Could not read the engine status" error={status.error} onRetry={() => void status.refetch()} />
      )}
      {status.data && (
        <Stack gap="md">
          <Table variant="vertical" withTableBorder={false} layout="fixed">
            <Table.Tbody>
              <Row label="Data directory" value={status.data.data_dir} testId="settings-data-dir" copy={status.data.data_dir} />
              <Row
                label="Database file"
                value={<Code>{status.data.database.path}</Code>}
                testId="settings-database-path"
                copy={status.data.database.path}
              />
              <Row label="Database" value="SQLite (WAL)" testId="settings-database-kind" />
              <Row label="Schema version" value={status.data.database.schema_version} testId="settings-schema-version" />
              <Row label="Cloudwarden version" value={status.data.version} testId="settings-version" />
            </Table.Tbody>
          </Table>
          <Text size="xs" c="dimmed">
            Change the data directory with the <Code>CLOUDWARDEN_DATA_DIR</Code> environment variable or{" "}
            <Code>cloudwarden --data-dir</Code>.
          </Text>
        </Stack>
      )}
      {status.data && (
        <Stack gap={6} mt="lg">
          <Group gap="sm">
            <Title order={5}>Keychain</Title>
            <Badge
              color={status.data.keychain.available ? "teal" : "red"}
              variant="light"
              data-testid="settings-keychain-badge"
            >
              {status.data.keychain.available ? "available" : "unavailable"}
            </Badge>
          </Group>
          <Text size="sm" c={status.data.keychain.available ? undefined : "red"} data-testid="settings-keychain-detail">
            {status.data.keychain.detail}
          </Text>
          <Text size="xs" c="dimmed">
            Connector tokens and keys are kept only in the system keychain — never in the database, logs or the UI.
          </Text>
        </Stack>
      )}
    </Card>
  );
}

const themes: { value: Theme; label: string }[] = [
  { value: "auto", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

function AppearanceCard() {
  const settings = useSettings();
  const setTheme = useSetTheme();
  return (
    <Card withBorder padding="lg">
      <Title order={4} mb="sm">
        Appearance
      </Title>
      {settings.isPending && <Skeleton h={36} />}
      {settings.isError && (
        <QueryError title="Could not read settings" error={settings.error} onRetry={() => void settings.refetch()} />
      )}
      {settings.data && (
        <Group>
          <Text size="sm" w={180} fw={600}>
            Theme
          </Text>
          <SegmentedControl
            data-testid="settings-theme"
            value={settings.data.theme}
            data={themes}
            disabled={setTheme.isPending}
            onChange={(value) => {
              setTheme.mutate(value);
            }}
          />
        </Group>
      )}
      {setTheme.isError && (
        <Text size="sm" c="red" mt="sm" role="alert">
          The theme was not saved: {setTheme.error.message}
        </Text>
      )}
    </Card>
  );
}

export function SettingsPage() {
  return (
    <Stack gap="lg" maw={960}>
      <Title order={2}>Settings</Title>
      <StorageCard />
      <AppearanceCard />
      <ScoreMetricCard />
      <DiscoverySettingsCard />
      <IpRangesCard />
      <ForwardingCard />
      <AuditLogCard />
    </Stack>
  );
}
