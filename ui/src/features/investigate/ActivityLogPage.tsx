import { Alert, Badge, Code, Drawer, Group, Loader, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch } from "@tabler/icons-react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link } from "react-router";
import { QueryError } from "../../components/QueryError";
import { categories, outcomes, useActivities, useActivity, type ActivityFilter, type ActivityRow, type Category, type Outcome } from "./api";

const ROW_HEIGHT = 40;

function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

const outcomeColor: Record<Outcome, string> = { success: "teal", failure: "red", unknown: "gray" };

function Detail({ row, onClose }: { row: ActivityRow | null; onClose: () => void }) {
  const detail = useActivity(row ? { instance: row.instance_id, event: row.event_id } : null);
  const raw = useMemo(() => {
    if (!detail.data) return "";
    try {
      return JSON.stringify(JSON.parse(detail.data.raw), null, 2);
    } catch {
      return detail.data.raw;
    }
  }, [detail.data]);
  const fields: [string, string | null][] = row
    ? [
        ["Time (UTC)", when(row.occurred_at_ms)],
        ["Instance", `${row.instance_name} (${row.app})`],
        ["Category", categories.find((c) => c.value === row.category)?.label ?? row.category],
        ["Action", row.action],
        ["Outcome", row.outcome],
        ["Actor", row.actor],
        ["Object", row.object],
        ["IP address", row.ip],
        ["Client", row.user_agent],
        ["Event id", row.event_id],
      ]
    : [];
  return (
    <Drawer opened={row !== null} onClose={onClose} position="right" size="xl" title="Activity" data-testid="activity-drawer">
      <Stack gap="sm">
        <Table data-testid="activity-fields">
          <Table.Tbody>
            {fields.map(([k, v]) => (
              <Table.Tr key={k}>
                <Table.Td w={120}>
                  <Text size="sm" c="dimmed">
                    {k}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" style={{ wordBreak: "break-all" }}>
                    {v ?? "—"}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Title order={5}>The vendor&apos;s event</Title>
        {detail.isPending && <Loader size="sm" />}
        {detail.isError && <QueryError title="Cannot read this event" error={detail.error} onRetry={() => void detail.refetch()} />}
        {detail.data && (
          <Code block data-testid="activity-raw">
            {raw}
          </Code>
        )}
      </Stack>
    </Drawer>
  );
}

/** The activity log of every connected instance: filtered, newest first, read page by page. */
export function ActivityLogPage() {
  const [category, setCategory] = useState<Category | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [user, setUser] = useState("");
  const [ip, setIp] = useState("");
  const [text, setText] = useState("");
  const [debounced] = useDebouncedValue({ user, ip, text }, 300);
  const [open, setOpen] = useState<ActivityRow | null>(null);
  const filter: ActivityFilter = {
    category,
    outcome,
    user: debounced.user.trim() || null,
    ip: debounced.ip.trim() || null,
    text: debounced.text.trim() || null,
  };
  const log = useActivities(filter);
  const rows = useMemo(() => log.data?.pages.flatMap((p) => p.items) ?? [], [log.data]);
  const more = log.hasNextPage;
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length + (more ? 1 : 0),
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    // Until the table is measured, assume a window's worth of rows.
    initialRect: { width: 1200, height: 800 },
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? (items[items.length - 1]?.index ?? 0) : 0;
  const { isFetchingNextPage, fetchNextPage } = log;
  useEffect(() => {
    if (lastIndex >= rows.length - 1 && more && !isFetchingNextPage) void fetchNextPage();
  }, [lastIndex, rows.length, more, isFetchingNextPage, fetchNextPage]);
  const paddingTop = items.length > 0 ? (items[0]?.start ?? 0) : 0;
  const paddingBottom = items.length > 0 ? virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0) : 0;
  const filtered = category !== null || outcome !== null || filter.user !== null || filter.ip !== null || filter.text !== null;

  return (
    <Stack gap="md">
      <div>
        <Title order={2}>Activity log</Title>
        <Text c="dimmed" size="sm">
          What people and apps did in every connected instance, newest first. Filters run in the engine over the whole log.
        </Text>
      </div>
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label="Search"
          placeholder="user, action or object"
          leftSection={<IconSearch size={14} />}
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
          }}
          w={260}
          data-testid="activity-search"
        />
        <Select
          label="Category"
          placeholder="All categories"
          clearable
          data={categories}
          value={category}
          onChange={(v) => {
            setCategory(v);
          }}
          w={180}
          data-testid="activity-category"
        />
        <Select
          label="Outcome"
          placeholder="Any outcome"
          clearable
          data={outcomes}
          value={outcome}
          onChange={(v) => {
            setOutcome(v);
          }}
          w={150}
          data-testid="activity-outcome"
        />
        <TextInput
          label="User"
          placeholder="alice@contoso.com"
          value={user}
          onChange={(e) => {
            setUser(e.currentTarget.value);
          }}
          w={220}
          data-testid="activity-user"
        />
        <TextInput
          label="IP or network"
          placeholder="10.1.0.0/16"
          value={ip}
          onChange={(e) => {
            setIp(e.currentTarget.value);
          }}
          w={170}
          data-testid="activity-ip"
        />
      </Group>
      {log.isError && <QueryError title="Cannot read the activity log" error={log.error} onRetry={() => void log.refetch()} />}
      {log.isPending && <Loader size="sm" />}
      {log.data && rows.length === 0 && (
        <Alert color="gray" data-testid="activity-empty">
          {filtered ? (
            "No activity matches these filters."
          ) : (
            <>
              No activity yet: <Link to="/connectors">connect an app</Link> and scan it — its audit events, sign-ins and file activity
              appear here.
            </>
          )}
        </Alert>
      )}
      {rows.length > 0 && (
        <div ref={scrollRef} style={{ overflow: "auto", height: "calc(100vh - 300px)" }} data-testid="activity-table">
          <Table stickyHeader highlightOnHover fz="sm" layout="fixed">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={160}>Time (UTC)</Table.Th>
                <Table.Th w={110}>Instance</Table.Th>
                <Table.Th w={110}>Category</Table.Th>
                <Table.Th w={200}>Action</Table.Th>
                <Table.Th w={210}>User</Table.Th>
                <Table.Th>Object</Table.Th>
                <Table.Th w={130}>IP</Table.Th>
                <Table.Th w={90}>Outcome</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {paddingTop > 0 && <tr style={{ height: paddingTop }} />}
              {items.map((v) => {
                const r = rows[v.index];
                if (!r)
                  return (
                    <Table.Tr key="more" h={ROW_HEIGHT}>
                      <Table.Td colSpan={8}>
                        <Loader size="xs" />
                      </Table.Td>
                    </Table.Tr>
                  );
                return (
                  <Table.Tr
                    key={`${r.instance_id}/${r.event_id}`}
                    h={ROW_HEIGHT}
                    style={{ cursor: "pointer" }}
                    onClick={() => {
                      setOpen(r);
                    }}
                    data-testid="activity-row"
                    data-event-id={r.event_id}
                  >
                    <Table.Td>{when(r.occurred_at_ms)}</Table.Td>
                    <Table.Td>
                      <Text size="sm" truncate>
                        {r.instance_name}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="light" size="sm">
                        {categories.find((c) => c.value === r.category)?.label ?? r.category}
                      </Badge>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" truncate>
                        {r.action}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" truncate>
                        {r.actor ?? "—"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" truncate>
                        {r.object ?? ""}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" truncate>
                        {r.ip ?? ""}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={outcomeColor[r.outcome]} variant="dot" size="sm">
                        {r.outcome}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
              {paddingBottom > 0 && <tr style={{ height: paddingBottom }} />}
            </Table.Tbody>
          </Table>
        </div>
      )}
      <Detail
        row={open}
        onClose={() => {
          setOpen(null);
        }}
      />
    </Stack>
  );
}
