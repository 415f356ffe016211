import { Anchor, Badge, Button, Drawer, Group, Loader, SegmentedControl, Stack, Table, Tabs, Text, Textarea } from "@mantine/core";
import { IconEye } from "@tabler/icons-react";
import { useState } from "react";
import { Link } from "react-router";
import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { QueryError } from "../../components/QueryError";
import { ScoreBadge } from "../catalog/ScoreBadge";
import { useRevealUser, useUsageDetail, type DiscoveredApp, type UsageBreakdown } from "./api";
import { TagMenu } from "./AppsTable";
import { formatBytes, formatCount, formatTime } from "./format";

function DailyChart({ days }: { days: UsageBreakdown[] }) {
  const [metric, setMetric] = useState<"bytes" | "transactions">("bytes");
  const data = days.map((d) => ({
    day: d.label,
    up: metric === "bytes" ? d.bytes_up : d.transactions - d.blocked,
    down: metric === "bytes" ? d.bytes_down : d.blocked,
  }));
  const labels = metric === "bytes" ? { up: "Upload", down: "Download" } : { up: "Allowed", down: "Blocked" };
  const fmt = (v: number) => (metric === "bytes" ? formatBytes(v) : formatCount(v));
  return (
    <Stack gap="xs" data-testid="usage-daily-chart">
      <Group justify="space-between">
        <Text fw={600} size="sm">
          Daily traffic (UTC)
        </Text>
        <SegmentedControl
          size="xs"
          value={metric}
          onChange={(v) => {
            setMetric(v === "transactions" ? "transactions" : "bytes");
          }}
          data={[
            { value: "bytes", label: "Bytes" },
            { value: "transactions", label: "Transactions" },
          ]}
        />
      </Group>
      <div style={{ width: "100%", height: 220 }}>
        <ResponsiveContainer>
          <BarChart data={data} margin={{ left: 8, right: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="day" fontSize={11} />
            <YAxis tickFormatter={fmt} fontSize={11} width={72} />
            <Tooltip formatter={(v) => fmt(Number(v))} />
            <Bar dataKey="up" name={labels.up} stackId="a" fill="var(--mantine-color-blue-6)" isAnimationActive={false} />
            <Bar dataKey="down" name={labels.down} stackId="a" fill={metric === "bytes" ? "var(--mantine-color-teal-5)" : "var(--mantine-color-red-5)"} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </Stack>
  );
}

/** Reveal an anonymized user: asks why, and the engine writes it to the audit log. */
function RevealButton({ pseudonym }: { pseudonym: string }) {
  const reveal = useRevealUser();
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState("");
  if (reveal.data)
    return (
      <Text span size="sm" fw={600} data-testid="revealed-name">
        {reveal.data.name}
      </Text>
    );
  if (!asking)
    return (
      <Button
        size="compact-xs"
        variant="subtle"
        leftSection={<IconEye size={12} />}
        onClick={() => {
          setAsking(true);
        }}
      >
        Reveal
      </Button>
    );
  return (
    <Stack gap={4}>
      <Textarea
        size="xs"
        autosize
        placeholder="Why do you need the real name? (kept in the audit log)"
        value={reason}
        onChange={(e) => {
          setReason(e.currentTarget.value);
        }}
      />
      <Group gap={4}>
        <Button
          size="compact-xs"
          disabled={reason.trim() === ""}
          loading={reveal.isPending}
          onClick={() => {
            reveal.mutate({ pseudonym, reason });
          }}
        >
          Reveal and log
        </Button>
        <Button
          size="compact-xs"
          variant="default"
          onClick={() => {
            setAsking(false);
          }}
        >
          Cancel
        </Button>
      </Group>
      {reveal.error && (
        <Text size="xs" c="red">
          {reveal.error.message}
        </Text>
      )}
    </Stack>
  );
}

function BreakdownTable({ rows, label, testId }: { rows: UsageBreakdown[]; label: string; testId: string }) {
  if (rows.length === 0)
    return (
      <Text size="sm" c="dimmed">
        The logs name no {label.toLowerCase()} for this traffic.
      </Text>
    );
  return (
    <Table withTableBorder fz="sm" data-testid={testId}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>{label}</Table.Th>
          <Table.Th ta="right">Transactions</Table.Th>
          <Table.Th ta="right">Upload</Table.Th>
          <Table.Th ta="right">Download</Table.Th>
          <Table.Th ta="right">Blocked</Table.Th>
          <Table.Th>Last seen (UTC)</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.slice(0, 500).map((r) => (
          <Table.Tr key={r.label}>
            <Table.Td>
              {r.label}
              {r.pseudonymous && (
                <Group gap={4} mt={2}>
                  <Badge size="xs" variant="outline">
                    anonymized
                  </Badge>
                  <RevealButton pseudonym={r.label} />
                </Group>
              )}
            </Table.Td>
            <Table.Td ta="right">{formatCount(r.transactions)}</Table.Td>
            <Table.Td ta="right">{formatBytes(r.bytes_up)}</Table.Td>
            <Table.Td ta="right">{formatBytes(r.bytes_down)}</Table.Td>
            <Table.Td ta="right">{formatCount(r.blocked)}</Table.Td>
            <Table.Td>{formatTime(r.last_seen_ms)}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Who used an app (or unmatched domain), from which IPs, on which days. */
export function UsageDrawer({
  reportId,
  kind,
  usageKey,
  name,
  app,
  onClose,
}: {
  reportId: string;
  kind: string;
  usageKey: string;
  name: string;
  app?: DiscoveredApp;
  onClose: () => void;
}) {
  const detail = useUsageDetail(reportId, kind, usageKey);
  return (
    <Drawer opened onClose={onClose} position="right" size="xl" title={<Text fw={700}>{name}</Text>} data-testid="usage-drawer">
      <Stack gap="md">
        {app !== undefined && (
          <Group justify="space-between">
            <Group gap="xs">
              <ScoreBadge score={app.score} />
              <Anchor component={Link} to={`/catalog/app/${encodeURIComponent(app.app_id)}`} size="sm">
                Catalog entry and risk factors
              </Anchor>
            </Group>
            <TagMenu app={app} />
          </Group>
        )}
        {detail.isPending && <Loader />}
        {detail.isError && <QueryError title="Cannot load the usage" error={detail.error} onRetry={() => void detail.refetch()} />}
        {detail.data && (
          <>
            <DailyChart days={detail.data.days} />
            <Tabs defaultValue="users">
              <Tabs.List>
                <Tabs.Tab value="users" data-testid="usage-tab-users">
                  Users ({detail.data.users.length})
                </Tabs.Tab>
                <Tabs.Tab value="ips" data-testid="usage-tab-ips">
                  Source IPs ({detail.data.ips.length})
                </Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="users" pt="sm">
                <BreakdownTable rows={detail.data.users} label="User" testId="usage-users" />
              </Tabs.Panel>
              <Tabs.Panel value="ips" pt="sm">
                <BreakdownTable rows={detail.data.ips} label="Source IP" testId="usage-ips" />
              </Tabs.Panel>
            </Tabs>
          </>
        )}
      </Stack>
    </Drawer>
  );
}
