import { Badge, Group, Menu, Select, Stack, Table, Text, TextInput, UnstyledButton } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconChevronDown, IconChevronUp, IconSearch, IconSelector } from "@tabler/icons-react";
import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type Header,
  type SortingState,
} from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { useCategories } from "../catalog/api";
import { ScoreBadge } from "../catalog/ScoreBadge";
import { useSetAppTag, type AppTag, type DiscoveredApp } from "./api";
import { formatBytes, formatCount, formatTime } from "./format";

export const tagColors: Record<AppTag, string> = { sanctioned: "teal", unsanctioned: "red", monitored: "blue" };
const tagLabels: Record<AppTag, string> = { sanctioned: "Sanctioned", unsanctioned: "Unsanctioned", monitored: "Monitored" };

export type Risk = "high" | "medium" | "low" | "unscored";

export function riskOf(score: number | null): Risk {
  if (score === null) return "unscored";
  if (score >= 7) return "low";
  if (score >= 4) return "medium";
  return "high";
}

/** The tag of an app, and a menu to change it. */
export function TagMenu({ app }: { app: DiscoveredApp }) {
  const setTag = useSetAppTag();
  const choose = (tag: AppTag | null) => {
    setTag.mutate(
      { appId: app.app_id, tag },
      {
        onError: (e) => {
          notifications.show({ color: "red", title: `Cannot tag ${app.name}`, message: e.message });
        },
      },
    );
  };
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <UnstyledButton
          miw={128}
          aria-label={`Tag ${app.name}`}
          data-testid={`tag-${app.app_id}`}
          onClick={(e) => {
            e.stopPropagation();
          }}
        >
          {app.tag === null ? (
            <Badge variant="outline" color="gray" fullWidth rightSection={<IconChevronDown size={10} />}>
              Untagged
            </Badge>
          ) : (
            <Badge color={tagColors[app.tag]} fullWidth rightSection={<IconChevronDown size={10} />} data-testid={`tag-value-${app.app_id}`}>
              {tagLabels[app.tag]}
            </Badge>
          )}
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown
        onClick={(e) => {
          e.stopPropagation();
        }}
      >
        {(Object.keys(tagLabels) as AppTag[]).map((t) => (
          <Menu.Item
            key={t}
            onClick={() => {
              choose(t);
            }}
            data-testid={`tag-option-${t}`}
          >
            <Badge color={tagColors[t]} variant="light">
              {tagLabels[t]}
            </Badge>
          </Menu.Item>
        ))}
        <Menu.Divider />
        <Menu.Item
          onClick={() => {
            choose(null);
          }}
          disabled={app.tag === null}
        >
          Clear the tag
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

function SortHeader({ header, label, right }: { header: Header<DiscoveredApp, unknown>; label: string; right?: boolean }) {
  const sorted = header.column.getIsSorted();
  const Icon = sorted === "asc" ? IconChevronUp : sorted === "desc" ? IconChevronDown : IconSelector;
  return (
    <UnstyledButton onClick={header.column.getToggleSortingHandler()} style={{ width: "100%" }}>
      <Group gap={2} justify={right ? "flex-end" : "flex-start"} wrap="nowrap">
        <Text size="sm" fw={600}>
          {label}
        </Text>
        <Icon size={14} />
      </Group>
    </UnstyledButton>
  );
}

const col = createColumnHelper<DiscoveredApp>();

/** The discovered apps with filters (name, risk, tag, category) and sortable columns. */
export function AppsTable({ apps, onOpen }: { apps: DiscoveredApp[]; onOpen: (app: DiscoveredApp) => void }) {
  const categories = useCategories();
  const categoryName = useMemo(() => new Map((categories.data ?? []).map((c) => [c.id, c.name])), [categories.data]);
  const [text, setText] = useState("");
  const [risk, setRisk] = useState<string | null>(null);
  const [tag, setTag] = useState<string | null>(null);
  const [category, setCategory] = useState<string | null>(null);
  const [sorting, setSorting] = useState<SortingState>([{ id: "traffic", desc: true }]);

  const filtered = useMemo(() => {
    const q = text.trim().toLowerCase();
    return apps.filter(
      (a) =>
        (q === "" || a.name.toLowerCase().includes(q) || a.app_id.includes(q)) &&
        (risk === null || riskOf(a.score) === risk) &&
        (tag === null || (tag === "untagged" ? a.tag === null : a.tag === tag)) &&
        (category === null || a.category === category),
    );
  }, [apps, text, risk, tag, category]);

  const columns = useMemo(
    () => [
      col.accessor("name", {
        header: (c) => <SortHeader header={c.header} label="App" />,
        cell: (c) => (
          <UnstyledButton
            onClick={(e) => {
              e.stopPropagation();
              onOpen(c.row.original);
            }}
            data-testid={`app-open-${c.row.original.app_id}`}
          >
            <Text fw={500} c="blue">
              {c.getValue()}
            </Text>
          </UnstyledButton>
        ),
      }),
      col.accessor((a) => (a.category === null ? "" : (categoryName.get(a.category) ?? a.category)), {
        id: "category",
        header: (c) => <SortHeader header={c.header} label="Category" />,
        cell: (c) => c.getValue() || <Text c="dimmed">—</Text>,
      }),
      col.accessor((a) => a.score ?? -1, {
        id: "risk",
        header: (c) => <SortHeader header={c.header} label="Score (10 = safest)" />,
        cell: (c) => <ScoreBadge score={c.row.original.score} confidence={c.row.original.confidence} size="sm" compact />,
      }),
      col.accessor((a) => a.tag ?? "", {
        id: "tag",
        header: (c) => <SortHeader header={c.header} label="Tag" />,
        cell: (c) => <TagMenu app={c.row.original} />,
      }),
      col.accessor((a) => a.bytes_up + a.bytes_down, {
        id: "traffic",
        header: (c) => <SortHeader header={c.header} label="Traffic" right />,
        cell: (c) => formatBytes(c.getValue()),
      }),
      col.accessor("bytes_up", {
        header: (c) => <SortHeader header={c.header} label="Upload" right />,
        cell: (c) => formatBytes(c.getValue()),
      }),
      col.accessor("transactions", {
        header: (c) => <SortHeader header={c.header} label="Transactions" right />,
        cell: (c) => formatCount(c.getValue()),
      }),
      col.accessor("users", {
        header: (c) => <SortHeader header={c.header} label="Users" right />,
        cell: (c) => formatCount(c.getValue()),
      }),
      col.accessor("ips", {
        header: (c) => <SortHeader header={c.header} label="IPs" right />,
        cell: (c) => formatCount(c.getValue()),
      }),
      col.accessor("last_seen_ms", {
        header: (c) => <SortHeader header={c.header} label="Last seen" />,
        cell: (c) => formatTime(c.getValue()),
      }),
    ],
    [categoryName, onOpen],
  );

  // eslint-disable-next-line react-hooks/incompatible-library -- TanStack Table, as in CatalogPage
  const table = useReactTable({
    data: filtered,
    columns,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: (a) => a.app_id,
  });

  const right = new Set(["traffic", "bytes_up", "transactions", "users", "ips"]);
  const usedCategories = [...new Set(apps.map((a) => a.category).filter((c) => c !== null))];

  return (
    <Stack gap="sm">
      <Group gap="sm">
        <TextInput
          placeholder="Search apps"
          leftSection={<IconSearch size={16} />}
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
          }}
          data-testid="apps-search"
        />
        <Select
          placeholder="Any risk"
          data={[
            { value: "high", label: "High risk (< 4)" },
            { value: "medium", label: "Medium risk (4–7)" },
            { value: "low", label: "Low risk (≥ 7)" },
            { value: "unscored", label: "Not scored" },
          ]}
          value={risk}
          onChange={setRisk}
          clearable
          w={180}
          data-testid="apps-filter-risk"
        />
        <Select
          placeholder="Any tag"
          data={[
            { value: "untagged", label: "Untagged" },
            { value: "sanctioned", label: "Sanctioned" },
            { value: "unsanctioned", label: "Unsanctioned" },
            { value: "monitored", label: "Monitored" },
          ]}
          value={tag}
          onChange={setTag}
          clearable
          w={160}
          data-testid="apps-filter-tag"
        />
        <Select
          placeholder="Any category"
          data={usedCategories.map((c) => ({ value: c, label: categoryName.get(c) ?? c })).sort((a, b) => a.label.localeCompare(b.label))}
          value={category}
          onChange={setCategory}
          clearable
          searchable
          w={200}
        />
        <Text size="sm" c="dimmed" data-testid="apps-count">
          {filtered.length} of {apps.length} apps
        </Text>
      </Group>
      {apps.length === 0 ? (
        <Text c="dimmed" size="sm">
          No known cloud app in these logs. Unmatched domains lists the destinations the catalog does not know.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={1000}>
          <Table highlightOnHover withTableBorder data-testid="apps-table">
            <Table.Thead>
              {table.getHeaderGroups().map((g) => (
                <Table.Tr key={g.id}>
                  {g.headers.map((h) => (
                    <Table.Th key={h.id} ta={right.has(h.column.id) ? "right" : undefined} style={{ whiteSpace: "nowrap" }}>
                      {flexRender(h.column.columnDef.header, h.getContext())}
                    </Table.Th>
                  ))}
                </Table.Tr>
              ))}
            </Table.Thead>
            <Table.Tbody>
              {table.getRowModel().rows.map((row) => (
                <Table.Tr
                  key={row.id}
                  style={{ cursor: "pointer" }}
                  onClick={() => {
                    onOpen(row.original);
                  }}
                  data-testid={`app-row-${row.id}`}
                >
                  {row.getVisibleCells().map((cell) => (
                    <Table.Td
                      key={cell.id}
                      ta={right.has(cell.column.id) ? "right" : undefined}
                      style={cell.column.id === "name" || cell.column.id === "category" ? undefined : { whiteSpace: "nowrap" }}
                    >
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
