import {
  Alert,
  Badge,
  Button,
  Checkbox,
  CloseButton,
  Group,
  Loader,
  Modal,
  Paper,
  RangeSlider,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import {
  IconArrowsSort,
  IconDownload,
  IconFilterPlus,
  IconPlus,
  IconSearch,
  IconSortAscending,
  IconSortDescending,
  IconUpload,
} from "@tabler/icons-react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { QueryError } from "../../components/QueryError";
import {
  useAppSearch,
  useCatalogStats,
  useCategories,
  useExportCustomApps,
  useFactors,
  useImportCustomApps,
  useSetAppTags,
  appTags,
  type AppRow,
  type AppTag,
  type AppSort,
  type FactorFilter,
  type ImportChoice,
} from "./api";
import { CustomAppForm } from "./CustomAppForm";
import { pct, ScoreBadge } from "./ScoreBadge";

const ROW_HEIGHT = 44;

const valueLabels: Record<string, string> = { yes: "Yes", no: "No", unknown: "Unknown", known: "Known" };

function FactorFilterEditor({ onAdd }: { onAdd: (f: FactorFilter) => void }) {
  const factors = useFactors();
  const [factor, setFactor] = useState<string | null>(null);
  const [value, setValue] = useState<string | null>(null);
  const def = factors.data?.find((f) => f.id === factor);
  const values = def ? [...def.values.filter((v) => v !== "date" && v !== "number"), "known", "unknown"] : [];
  return (
    <Group gap="xs" align="end" wrap="nowrap">
      <Select
        label="Risk factor"
        placeholder="Pick a factor"
        data={(factors.data ?? []).map((f) => ({ value: f.id, label: f.name }))}
        value={factor}
        onChange={(v) => {
          setFactor(v);
          setValue(null);
        }}
        searchable
        w={260}
        data-testid="catalog-factor-select"
        comboboxProps={{ withinPortal: true }}
      />
      <Select
        label="Value"
        placeholder="Value"
        data={values.map((v) => ({ value: v, label: valueLabels[v] ?? v }))}
        value={value}
        onChange={setValue}
        disabled={!def}
        w={140}
        data-testid="catalog-factor-value"
      />
      <Button
        leftSection={<IconFilterPlus size={16} />}
        variant="light"
        disabled={!factor || !value}
        data-testid="catalog-factor-add"
        onClick={() => {
          if (factor && value) onAdd({ factor, value });
          setFactor(null);
          setValue(null);
        }}
      >
        Add filter
      </Button>
    </Group>
  );
}

function SortHeader({
  label,
  column,
  sort,
  descending,
  onSort,
  width,
}: {
  label: string;
  column: AppSort;
  sort: AppSort;
  descending: boolean;
  onSort: (c: AppSort) => void;
  width?: number | string;
}) {
  const active = sort === column;
  const Icon = !active ? IconArrowsSort : descending ? IconSortDescending : IconSortAscending;
  return (
    <Table.Th w={width}>
      <UnstyledButton onClick={() => { onSort(column); }} data-testid={`catalog-sort-${column}`}>
        <Group gap={4} wrap="nowrap">
          <Text fw={700} size="sm">
            {label}
          </Text>
          <Icon size={14} opacity={active ? 1 : 0.4} />
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

export function CatalogPage() {
  const navigate = useNavigate();
  const stats = useCatalogStats();
  const categories = useCategories();
  const factors = useFactors();
  const [text, setText] = useState("");
  const [debounced] = useDebouncedValue(text, 200);
  const [category, setCategory] = useState<string | null>(null);
  const [tagFilter, setTagFilter] = useState<string | null>(null);
  const setTags = useSetAppTags();
  const [scoreOn, setScoreOn] = useState(false);
  const [score, setScore] = useState<[number, number]>([0, 10]);
  const [factorFilters, setFactorFilters] = useState<FactorFilter[]>([]);
  const [sort, setSort] = useState<AppSort>("name");
  const [descending, setDescending] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const [adding, setAdding] = useState(false);
  const exporter = useExportCustomApps();
  const importer = useImportCustomApps();
  const [confirmImport, setConfirmImport] = useState<ImportChoice | null>(null);
  const runImport = (file: string, replaceBuiltin: boolean) => {
    importer.save.mutate(
      { file, replaceBuiltin },
      {
        onSuccess: (n) => notifications.show({ color: "teal", message: `Imported ${String(n)} custom app(s).` }),
        onError: (e) => notifications.show({ color: "red", title: "Import failed", message: e.message }),
      },
    );
  };

  const query = useMemo(
    () => ({
      text: debounced || null,
      category,
      score_min: scoreOn ? score[0] : null,
      score_max: scoreOn ? score[1] : null,
      factors: factorFilters,
      tag: (tagFilter as AppTag | null) ?? null,
      sort,
      descending,
    }),
    [debounced, category, scoreOn, score, factorFilters, tagFilter, sort, descending],
  );
  const search = useAppSearch(query);
  const rows: AppRow[] = useMemo(() => search.data?.pages.flatMap((p) => p.rows) ?? [], [search.data]);
  const total = search.data?.pages[0]?.total ?? 0;

  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length > 0 ? (items[items.length - 1]?.index ?? 0) : 0;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = search;
  useEffect(() => {
    if (lastIndex >= rows.length - 1 && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [lastIndex, rows.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  const onSort = (c: AppSort) => {
    if (c === sort) setDescending(!descending);
    else {
      setSort(c);
      setDescending(c === "score" || c === "coverage");
    }
    scrollRef.current?.scrollTo({ top: 0 });
  };
  const toggle = (id: string) => {
    setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : s.length >= 4 ? s : [...s, id]));
  };
  const factorName = (id: string) => factors.data?.find((f) => f.id === id)?.name ?? id;
  const paddingTop = items.length > 0 ? (items[0]?.start ?? 0) : 0;
  const paddingBottom = items.length > 0 ? virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0) : 0;

  return (
    <Stack gap="md" h="calc(100vh - 56px - 2 * var(--mantine-spacing-lg))">
      <Group justify="space-between" align="end">
        <Stack gap={2}>
          <Title order={2}>Cloud App Catalog</Title>
          <Text size="sm" c="dimmed" data-testid="catalog-stats">
            {stats.data
              ? `${stats.data.apps.toLocaleString()} apps · ${stats.data.domains.toLocaleString()} domain rules · ${stats.data.sources.length} open data sources`
              : " "}
          </Text>
        </Stack>
        <Group gap="xs">
          <Button
            variant="default"
            leftSection={<IconUpload size={16} />}
            loading={importer.choose.isPending || importer.save.isPending}
            onClick={() => {
              importer.choose.mutate(undefined, {
                onSuccess: (choice) => {
                  if (choice === null) return;
                  if (choice.preview.replaces_builtin.length > 0) {
                    setConfirmImport(choice);
                  } else {
                    runImport(choice.file.handle, false);
                  }
                },
                onError: (e) => notifications.show({ color: "red", title: "Import failed", message: e.message }),
              });
            }}
            data-testid="catalog-import"
          >
            Import
          </Button>
          <Button
            variant="default"
            leftSection={<IconDownload size={16} />}
            loading={exporter.isPending}
            onClick={() => {
              exporter.mutate(undefined, {
                onSuccess: (n) => {
                  if (n !== null) notifications.show({ color: "teal", message: `Exported ${n} custom app(s).` });
                },
                onError: (e) => notifications.show({ color: "red", title: "Export failed", message: e.message }),
              });
            }}
          >
            Export custom apps
          </Button>
          <Button leftSection={<IconPlus size={16} />} onClick={() => { setAdding(true); }} data-testid="catalog-add-app">
            Add app
          </Button>
        </Group>
      </Group>

      <Paper withBorder p="sm">
        <Stack gap="sm">
          <Group gap="md" align="end">
            <TextInput
              label="Search"
              placeholder="Name, vendor or domain (e.g. dropbox, acme.slack.com)"
              leftSection={<IconSearch size={16} />}
              value={text}
              onChange={(e) => { setText(e.currentTarget.value); }}
              rightSection={
                text ? (
                  <CloseButton size="sm" aria-label="Clear search" onClick={() => { setText(""); }} data-testid="catalog-search-clear" />
                ) : null
              }
              w={340}
              data-testid="catalog-search"
            />
            <Select
              label="Category"
              placeholder="All categories"
              clearable
              searchable
              data={(categories.data ?? []).filter((c) => c.apps > 0).map((c) => ({ value: c.id, label: `${c.name} (${c.apps})` }))}
              value={category}
              onChange={setCategory}
              w={260}
              data-testid="catalog-category"
            />
            <Select
              label="Decision"
              placeholder="All apps"
              clearable
              data={appTags.map((t) => ({ value: t.value, label: `${t.label} apps` }))}
              value={tagFilter}
              onChange={setTagFilter}
              w={210}
              data-testid="catalog-tag-filter"
            />
            <Stack gap={4} w={220}>
              <Switch label="Score range" checked={scoreOn} onChange={(e) => { setScoreOn(e.currentTarget.checked); }} size="xs" />
              <RangeSlider min={0} max={10} step={0.5} minRange={0.5} value={score} onChange={setScore} disabled={!scoreOn} label={(v) => v.toFixed(1)} />
            </Stack>
          </Group>
          <FactorFilterEditor onAdd={(f) => { setFactorFilters((fs) => [...fs.filter((x) => x.factor !== f.factor), f]); }} />
          {factorFilters.length > 0 && (
            <Group gap="xs">
              {factorFilters.map((f) => (
                <Badge
                  key={f.factor}
                  variant="light"
                  size="lg"
                  rightSection={
                    <CloseButton size="xs" aria-label={`Remove ${factorName(f.factor)} filter`} onClick={() => { setFactorFilters((fs) => fs.filter((x) => x !== f)); }} />
                  }
                  data-testid="catalog-factor-chip"
                >
                  {factorName(f.factor)}: {valueLabels[f.value] ?? f.value}
                </Badge>
              ))}
            </Group>
          )}
        </Stack>
      </Paper>

      <Group justify="space-between">
        <Text size="sm" data-testid="catalog-total">
          {search.isPending ? "Searching…" : `${total.toLocaleString()} app${total === 1 ? "" : "s"}`}
        </Text>
        <Group gap="xs">
          {selected.length > 0 && (
            <Button variant="subtle" size="xs" onClick={() => { setSelected([]); }}>
              Clear selection
            </Button>
          )}
          <Select
            size="xs"
            w={200}
            placeholder={`Tag selected (${String(selected.length)})…`}
            disabled={selected.length === 0 || setTags.isPending}
            data={[...appTags.map((t) => ({ value: t.value, label: `Tag ${t.label.toLowerCase()}` })), { value: "none", label: "Clear the tag" }]}
            value={null}
            onChange={(v) => {
              if (v === null) return;
              setTags.mutate(
                { ids: selected, tag: v === "none" ? null : (v) },
                {
                  onSuccess: (n) => notifications.show({ color: "teal", message: `Tagged ${String(n)} app(s).` }),
                  onError: (e) => notifications.show({ color: "red", title: "Could not tag", message: e.message }),
                },
              );
            }}
            data-testid="catalog-bulk-tag"
          />
          <Tooltip label="Select 2 to 4 apps in the table">
            <Button
              size="xs"
              disabled={selected.length < 2}
              onClick={() => { void navigate(`/catalog/compare?ids=${selected.map(encodeURIComponent).join(",")}`); }}
              data-testid="catalog-compare"
            >
              Compare ({selected.length})
            </Button>
          </Tooltip>
        </Group>
      </Group>

      {search.isError && <QueryError title="Could not search the catalog" error={search.error} onRetry={() => void search.refetch()} />}

      <Paper withBorder style={{ flex: 1, minHeight: 200, display: "flex" }}>
        <div ref={scrollRef} style={{ overflow: "auto", flex: 1 }} data-testid="catalog-table">
          <Table stickyHeader highlightOnHover layout="fixed" verticalSpacing={0}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={44} />
                <SortHeader label="Name" column="name" sort={sort} descending={descending} onSort={onSort} />
                <SortHeader label="Category" column="category" sort={sort} descending={descending} onSort={onSort} width={210} />
                <SortHeader label="Score (10 = safest)" column="score" sort={sort} descending={descending} onSort={onSort} width={120} />
                <SortHeader label="Coverage" column="coverage" sort={sort} descending={descending} onSort={onSort} width={110} />
                <Table.Th w="30%">Domains</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {paddingTop > 0 && <tr style={{ height: paddingTop }} />}
              {items.map((item) => {
                const row = rows[item.index];
                if (!row)
                  return (
                    <Table.Tr key={item.key} h={ROW_HEIGHT}>
                      <Table.Td colSpan={6}>
                        <Loader size="xs" />
                      </Table.Td>
                    </Table.Tr>
                  );
                return (
                  <Table.Tr
                    key={row.id}
                    h={ROW_HEIGHT}
                    style={{ cursor: "pointer" }}
                    onClick={() => { void navigate(`/catalog/app/${encodeURIComponent(row.id)}`); }}
                    data-testid="catalog-row"
                    data-app-id={row.id}
                  >
                    <Table.Td onClick={(e) => { e.stopPropagation(); }}>
                      <Checkbox
                        aria-label={`Select ${row.name} to compare`}
                        checked={selected.includes(row.id)}
                        onChange={() => { toggle(row.id); }}
                        data-testid="catalog-row-select"
                      />
                    </Table.Td>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Text size="sm" fw={600} truncate>
                          {row.name}
                        </Text>
                        {row.custom && <Badge size="xs" variant="outline">custom</Badge>}
                        {row.tag && (
                          <Badge size="xs" variant="light" color={appTags.find((t) => t.value === row.tag)?.color} data-testid="catalog-row-tag">
                            {row.tag}
                          </Badge>
                        )}
                      </Group>
                      {row.vendor && (
                        <Text size="xs" c="dimmed" truncate>
                          {row.vendor}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" truncate>
                        {row.category ?? "—"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <ScoreBadge score={row.score} coverage={row.coverage} confidence={row.confidence} compact />
                        {row.overridden && (
                          <Tooltip label="Score set by an analyst">
                            <Text size="xs" c="dimmed">✎</Text>
                          </Tooltip>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{pct(row.coverage)} %</Text>
                    </Table.Td>
                    <Table.Td>
                      {row.matched !== null && row.matched !== "name" ? (
                        <Text size="sm" c="dimmed" truncate data-testid={`catalog-matched-${row.id}`}>
                          matched {row.matched}
                        </Text>
                      ) : (
                        <Text size="sm" c="dimmed" truncate>
                          {row.domains.join(", ")}
                        </Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
              {paddingBottom > 0 && <tr style={{ height: paddingBottom }} />}
            </Table.Tbody>
          </Table>
          {!search.isPending && total === 0 && (
            <Stack align="center" p="xl" gap="xs" data-testid="catalog-empty">
              <Text fw={600}>No app matches these filters.</Text>
              <Text size="sm" c="dimmed">
                Clear a filter, or add the app yourself with “Add app”.
              </Text>
              {(factorFilters.length > 0 || category || scoreOn || text) && (
                <Button
                  variant="light"
                  size="xs"
                  onClick={() => {
                    setFactorFilters([]);
                    setCategory(null);
                    setScoreOn(false);
                    setText("");
                  }}
                >
                  Clear all filters
                </Button>
              )}
            </Stack>
          )}
        </div>
      </Paper>
      {stats.isError && <Alert color="red">{stats.error.message}</Alert>}
      {confirmImport && (
        <Modal opened onClose={() => { setConfirmImport(null); }} title="Replace built-in apps?">
          <Stack gap="sm" data-testid="catalog-import-confirm">
            <Text size="sm">
              {confirmImport.file.name} holds {confirmImport.preview.apps.length} app(s). It would replace these built-in
              apps with its own records (their domains, categories and risk factors):
            </Text>
            <Text size="sm" fw={500}>
              {confirmImport.preview.replaces_builtin.join(", ")}
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => { setConfirmImport(null); }}>
                Cancel
              </Button>
              <Button
                color="orange"
                onClick={() => {
                  runImport(confirmImport.file.handle, true);
                  setConfirmImport(null);
                }}
                data-testid="catalog-import-replace"
              >
                Replace and import
              </Button>
            </Group>
          </Stack>
        </Modal>
      )}
      {adding && (
      <CustomAppForm
        onClose={() => { setAdding(false); }}
        onSaved={(id) => {
          setAdding(false);
          void navigate(`/catalog/app/${encodeURIComponent(id)}`);
        }}
      />
      )}
    </Stack>
  );
}
