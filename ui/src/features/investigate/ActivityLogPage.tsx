import { ActionIcon, Alert, Badge, Button, Drawer, Group, Loader, Menu, Popover, Select, Stack, Table, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { IconDeviceFloppy, IconDownload, IconSearch, IconTrash } from "@tabler/icons-react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { QueryError } from "../../components/QueryError";
import { RawRecord } from "./RawRecord";
import { useInstances } from "../connectors/api";
import {
  categories,
  outcomes,
  useActivities,
  useActivity,
  useActivityQueries,
  useDeleteActivityQuery,
  useExportActivities,
  useSaveActivityQuery,
  type ActivityFilter,
  type ActivityRow,
  type Category,
  type ExportFormat,
  type Outcome,
} from "./api";

const ROW_HEIGHT = 40;

function when(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
}

const outcomeColor: Record<Outcome, string> = { success: "teal", failure: "red", unknown: "gray" };

function Detail({ row, onClose }: { row: ActivityRow | null; onClose: () => void }) {
  const detail = useActivity(row ? { instance: row.instance_id, event: row.event_id } : null);
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
        {detail.data && <RawRecord raw={detail.data.raw} testId="activity-raw" />}
      </Stack>
    </Drawer>
  );
}

/** Time ranges the log offers (the CLI takes any `--since`/`--until`). */
const ranges: { value: string; label: string; ms: number }[] = [
  { value: "1h", label: "Last hour", ms: 3_600_000 },
  { value: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { value: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { value: "30d", label: "Last 30 days", ms: 30 * 86_400_000 },
  { value: "90d", label: "Last 90 days", ms: 90 * 86_400_000 },
];

/** The filter fields the page keeps in its address (so that other pages can link to a view). */
const keys = ["instance", "category", "outcome", "user", "ip", "action", "object", "text", "range", "since", "until"] as const;
type Key = (typeof keys)[number];

function isCategory(v: string | null): v is Category {
  return categories.some((c) => c.value === v);
}
function isOutcome(v: string | null): v is Outcome {
  return outcomes.some((c) => c.value === v);
}
function num(v: string | null): number | null {
  if (v === null || v === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** The engine's filter for the address's fields (a range counts back from `now`). */
function toFilter(get: (k: Key) => string | null, now: number): ActivityFilter {
  const text = (k: Key) => get(k)?.trim() || null;
  const range = ranges.find((r) => r.value === get("range"));
  const category = get("category");
  const outcome = get("outcome");
  return {
    instance_id: text("instance"),
    app: null,
    user: text("user"),
    ip: text("ip"),
    category: isCategory(category) ? category : null,
    action: text("action"),
    outcome: isOutcome(outcome) ? outcome : null,
    since_ms: range ? now - range.ms : num(get("since")),
    until_ms: range ? null : num(get("until")),
    text: text("text"),
    object: text("object"),
  };
}

/** The address's fields for a saved filter (absolute times, as saved). */
function fromFilter(f: ActivityFilter): Partial<Record<Key, string>> {
  const out: Partial<Record<Key, string>> = {};
  if (f.instance_id) out.instance = f.instance_id;
  if (f.category) out.category = f.category;
  if (f.outcome) out.outcome = f.outcome;
  if (f.user) out.user = f.user;
  if (f.ip) out.ip = f.ip;
  if (f.action) out.action = f.action;
  if (f.text) out.text = f.text;
  if (f.object) out.object = f.object;
  if (f.since_ms !== null) out.since = String(f.since_ms);
  if (f.until_ms !== null) out.until = String(f.until_ms);
  return out;
}

/** The address of a set of fields, in one order (to compare views). */
function canonical(fields: URLSearchParams): string {
  const p = new URLSearchParams(fields);
  p.sort();
  return p.toString();
}

function SavedQueries({ filter, address, onPick }: { filter: ActivityFilter; address: string; onPick: (f: ActivityFilter) => void }) {
  const saved = useActivityQueries();
  const save = useSaveActivityQuery();
  const remove = useDeleteActivityQuery();
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState("");
  // The saved query the page shows now, if any: its filters are the address's.
  const here = canonical(new URLSearchParams(address));
  const current = saved.data?.find((q) => canonical(new URLSearchParams(fromFilter(q.filter))) === here) ?? null;
  const picked = current ? String(current.id) : null;
  return (
    <Group gap="xs" align="flex-end">
      <Select
        label="Saved queries"
        placeholder={saved.data?.length ? "Pick a saved query" : "None saved yet"}
        data={(saved.data ?? []).map((q) => ({ value: String(q.id), label: q.name }))}
        value={picked}
        onChange={(v) => {
          const q = saved.data?.find((x) => String(x.id) === v);
          if (q) onPick(q.filter);
        }}
        clearable
        w={240}
        data-testid="activity-saved"
      />
      {current && (
        <Tooltip label={`Delete “${current.name}”`}>
          <ActionIcon
            variant="default"
            size="lg"
            aria-label="Delete saved query"
            loading={remove.isPending}
            onClick={() => {
              remove.mutate(current.id, {
                onError: (e) => notifications.show({ color: "red", title: "Cannot delete the query", message: e.message }),
              });
            }}
            data-testid="activity-saved-delete"
          >
            <IconTrash size={16} />
          </ActionIcon>
        </Tooltip>
      )}
      <Popover opened={naming} onChange={setNaming} position="bottom-start" withArrow trapFocus>
        <Popover.Target>
          <Button
            variant="default"
            leftSection={<IconDeviceFloppy size={16} />}
            onClick={() => {
              setName(current?.name ?? "");
              setNaming((o) => !o);
            }}
            data-testid="activity-save"
          >
            Save query
          </Button>
        </Popover.Target>
        <Popover.Dropdown>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate(
                { name, filter },
                {
                  onSuccess: (q) => {
                    setNaming(false);
                    notifications.show({ color: "teal", title: "Query saved", message: `“${q.name}” is in Saved queries.` });
                  },
                },
              );
            }}
          >
            <Stack gap="xs" w={260}>
              <TextInput
                label="Name"
                placeholder="Failed sign-ins from HQ"
                value={name}
                onChange={(e) => {
                  setName(e.currentTarget.value);
                }}
                error={save.error?.message}
                data-autofocus
                data-testid="activity-save-name"
              />
              <Text size="xs" c="dimmed">
                Saves the filters as they are now; a time range is saved as its dates.
              </Text>
              <Button type="submit" loading={save.isPending} disabled={name.trim() === ""} data-testid="activity-save-confirm">
                Save
              </Button>
            </Stack>
          </form>
        </Popover.Dropdown>
      </Popover>
    </Group>
  );
}

/** The activity log of every connected instance: filtered, newest first, read page by page. */
export function ActivityLogPage() {
  const [params, setParams] = useSearchParams();
  const instances = useInstances();
  const exporter = useExportActivities();
  // The newest address, also between renders: two filters set in a row (before the router
  // re-renders the page) must both stay — a functional update would see the same old one.
  const latest = useRef(params);
  latest.current = params;
  const set = (k: Key, v: string | null) => {
    const next = new URLSearchParams(latest.current);
    if (v === null || v === "") next.delete(k);
    else next.set(k, v);
    if (k === "range") {
      next.delete("since");
      next.delete("until");
    }
    latest.current = next;
    setParams(next, { replace: true });
  };
  const get = (k: Key) => params.get(k);
  const [debounced] = useDebouncedValue(params.toString(), 300);
  // A relative range is pinned when the filters change, so that paging stays on one window.
  const filter = useMemo(() => {
    const p = new URLSearchParams(debounced);
    return toFilter((k) => p.get(k), Date.now());
  }, [debounced]);
  const [open, setOpen] = useState<ActivityRow | null>(null);
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
  const filtered = keys.some((k) => (get(k) ?? "") !== "");
  const since = num(get("since"));
  const until = num(get("until"));
  const doExport = (format: ExportFormat) => {
    exporter.mutate(
      { filter, format },
      {
        onSuccess: (res) => {
          if (res)
            notifications.show({
              color: "teal",
              title: "Activity log exported",
              message: `${res.rows.toLocaleString()} events written to ${res.path}`,
            });
        },
        onError: (e) => notifications.show({ color: "red", title: "Export failed", message: e.message }),
      },
    );
  };

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>Activity log</Title>
          <Text c="dimmed" size="sm">
            What people and apps did in every connected instance, newest first. Filters run in the engine over the whole log.
          </Text>
        </div>
        <Menu position="bottom-end">
          <Menu.Target>
            <Button variant="default" leftSection={<IconDownload size={16} />} loading={exporter.isPending} data-testid="activity-export">
              Export
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>Every event these filters select</Menu.Label>
            <Menu.Item
              onClick={() => {
                doExport("csv");
              }}
              data-testid="activity-export-csv"
            >
              CSV (normalised fields)
            </Menu.Item>
            <Menu.Item
              onClick={() => {
                doExport("json");
              }}
              data-testid="activity-export-json"
            >
              JSON (with the vendor&apos;s events)
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Group>
      <SavedQueries
        filter={filter}
        address={params.toString()}
        onPick={(f) => {
          setParams(new URLSearchParams(fromFilter(f)), { replace: true });
        }}
      />
      <Group align="flex-end" wrap="wrap" gap="sm">
        <TextInput
          label="Search"
          placeholder="user, action or object"
          leftSection={<IconSearch size={14} />}
          value={get("text") ?? ""}
          onChange={(e) => {
            set("text", e.currentTarget.value);
          }}
          w={220}
          data-testid="activity-search"
        />
        <Select
          label="Instance"
          placeholder="All instances"
          clearable
          data={(instances.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
          value={get("instance")}
          onChange={(v) => {
            set("instance", v);
          }}
          w={170}
          data-testid="activity-instance"
        />
        <Select
          label="Category"
          placeholder="All categories"
          clearable
          data={categories}
          value={get("category")}
          onChange={(v) => {
            set("category", v);
          }}
          w={160}
          data-testid="activity-category"
        />
        <Select
          label="Outcome"
          placeholder="Any outcome"
          clearable
          data={outcomes}
          value={get("outcome")}
          onChange={(v) => {
            set("outcome", v);
          }}
          w={140}
          data-testid="activity-outcome"
        />
        <TextInput
          label="User"
          placeholder="alice@contoso.com"
          value={get("user") ?? ""}
          onChange={(e) => {
            set("user", e.currentTarget.value);
          }}
          w={200}
          data-testid="activity-user"
        />
        <TextInput
          label="IP or network"
          placeholder="10.1.0.0/16"
          value={get("ip") ?? ""}
          onChange={(e) => {
            set("ip", e.currentTarget.value);
          }}
          w={150}
          data-testid="activity-ip"
        />
        <TextInput
          label="Action"
          placeholder="FileDownloaded"
          value={get("action") ?? ""}
          onChange={(e) => {
            set("action", e.currentTarget.value);
          }}
          w={160}
          data-testid="activity-action"
        />
        <Select
          label="Time"
          placeholder={since !== null || until !== null ? "Saved dates" : "Any time"}
          clearable
          data={ranges.map((r) => ({ value: r.value, label: r.label }))}
          value={get("range")}
          onChange={(v) => {
            set("range", v);
          }}
          w={150}
          data-testid="activity-range"
        />
        {filtered && (
          <Button
            variant="subtle"
            onClick={() => {
              setParams(new URLSearchParams(), { replace: true });
            }}
            data-testid="activity-clear"
          >
            Clear filters
          </Button>
        )}
      </Group>
      {get("object") && (
        <Alert color="blue" variant="light" withCloseButton onClose={() => { set("object", null); }} data-testid="activity-object">
          Only events on {get("object")}
        </Alert>
      )}
      {(since !== null || until !== null) && get("range") === null && (
        <Text size="xs" c="dimmed" data-testid="activity-dates">
          From {since !== null ? when(since) : "the start"} to {until !== null ? when(until) : "now"} (UTC)
        </Text>
      )}
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
          <Table stickyHeader highlightOnHover fz="sm" layout="fixed" miw={1340}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={170}>Time (UTC)</Table.Th>
                <Table.Th w={130}>Instance</Table.Th>
                <Table.Th w={110}>Category</Table.Th>
                <Table.Th w={200}>Action</Table.Th>
                <Table.Th w={210}>User</Table.Th>
                <Table.Th>Object</Table.Th>
                <Table.Th w={130}>IP</Table.Th>
                <Table.Th w={110}>Outcome</Table.Th>
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
                    <Table.Td style={{ whiteSpace: "nowrap" }}>{when(r.occurred_at_ms)}</Table.Td>
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
