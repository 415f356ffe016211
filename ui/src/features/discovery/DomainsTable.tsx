import { Badge, Button, Group, Stack, Table, Text, TextInput, Tooltip } from "@mantine/core";
import { IconPlus, IconSearch } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import type { UnmatchedDomain } from "./api";
import { formatBytes, formatCount, formatTime } from "./format";

/** Most visited first; a bare IP cannot become an app. */
export function DomainsTable({
  domains,
  onOpen,
  onAddApp,
}: {
  domains: UnmatchedDomain[];
  onOpen: (d: UnmatchedDomain) => void;
  onAddApp: (domain: string) => void;
}) {
  const [text, setText] = useState("");
  const shown = useMemo(() => {
    const q = text.trim().toLowerCase();
    return domains.filter((d) => q === "" || d.domain.includes(q)).slice(0, 1000);
  }, [domains, text]);
  if (domains.length === 0)
    return (
      <Text c="dimmed" size="sm">
        Every destination in these logs belongs to a known app.
      </Text>
    );
  return (
    <Stack gap="sm">
      <Group>
        <TextInput
          placeholder="Search domains"
          leftSection={<IconSearch size={16} />}
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
          }}
        />
        <Text size="sm" c="dimmed">
          Destinations no catalog app claims, by registrable domain. Add one as a custom app to count it as an app in
          every report.
        </Text>
      </Group>
      <Table highlightOnHover withTableBorder data-testid="domains-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Domain</Table.Th>
            <Table.Th ta="right">Transactions</Table.Th>
            <Table.Th ta="right">Traffic</Table.Th>
            <Table.Th ta="right">Upload</Table.Th>
            <Table.Th ta="right">Users</Table.Th>
            <Table.Th ta="right">IPs</Table.Th>
            <Table.Th>Last seen (UTC)</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {shown.map((d) => (
            <Table.Tr
              key={`${d.kind}:${d.domain}`}
              style={{ cursor: "pointer" }}
              onClick={() => {
                onOpen(d);
              }}
              data-testid={`domain-row-${d.domain}`}
            >
              <Table.Td>
                {d.domain}
                {d.kind === "ip" && (
                  <Badge ml="xs" size="xs" variant="outline" color="gray">
                    IP
                  </Badge>
                )}
                {d.shared !== null && (
                  <Tooltip
                    label={`${d.shared}: shared by many unrelated sites, so its traffic belongs to no single app and it never enters a block list.`}
                    multiline
                    w={320}
                  >
                    <Badge ml="xs" size="xs" variant="light" color="orange" data-testid={`domain-shared-${d.domain}`}>
                      Shared infrastructure · {d.shared}
                    </Badge>
                  </Tooltip>
                )}
              </Table.Td>
              <Table.Td ta="right">{formatCount(d.transactions)}</Table.Td>
              <Table.Td ta="right">{formatBytes(d.bytes_up + d.bytes_down)}</Table.Td>
              <Table.Td ta="right">{formatBytes(d.bytes_up)}</Table.Td>
              <Table.Td ta="right">{formatCount(d.users)}</Table.Td>
              <Table.Td ta="right">{formatCount(d.ips)}</Table.Td>
              <Table.Td>{formatTime(d.last_seen_ms)}</Table.Td>
              <Table.Td>
                {d.kind === "domain" && d.shared === null && (
                  <Button
                    size="compact-xs"
                    variant="light"
                    leftSection={<IconPlus size={12} />}
                    onClick={(e) => {
                      e.stopPropagation();
                      onAddApp(d.domain);
                    }}
                    data-testid={`domain-add-${d.domain}`}
                  >
                    Add as custom app
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {shown.length < domains.length && text === "" && (
        <Text size="xs" c="dimmed">
          Showing the 1,000 busiest of {formatCount(domains.length)} domains; search to find the others, or export the
          CSV for all of them.
        </Text>
      )}
    </Stack>
  );
}
