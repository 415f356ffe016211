import { Alert, Anchor, Badge, Button, Chip, Drawer, Group, Loader, Select, Stack, Table, Text, TextInput, Title, Tooltip } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconSearch } from "@tabler/icons-react";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { QueryError } from "../../components/QueryError";
import { RawRecord } from "./RawRecord";
import { sharingLevels, useFile, useFiles, type FileFilter, type FileRow, type SharingLevel } from "./api";
import { appName } from "../connectors/appNames";


function day(ms: number | null): string {
  return ms === null ? "—" : new Date(ms).toISOString().slice(0, 10);
}

function SharingBadge({ level }: { level: SharingLevel }) {
  const l = sharingLevels.find((s) => s.value === level);
  return (
    <Badge color={l?.color ?? "gray"} variant="light" size="sm">
      {level}
    </Badge>
  );
}

function Detail({ row, onClose }: { row: FileRow | null; onClose: () => void }) {
  const detail = useFile(row ? { instance: row.instance_id, file: row.external_id } : null);
  return (
    <Drawer opened={row !== null} onClose={onClose} position="right" size="xl" title={row?.name ?? "File"} data-testid="file-drawer">
      {row && (
        <Stack gap="sm">
          <Group gap="xs">
            <SharingBadge level={row.sharing} />
            <Text size="sm">
              {row.instance_name} ({appName(row.app)}) · owner {row.owner ?? "unknown"} · modified {day(row.modified_at_ms)}
            </Text>
          </Group>
          {row.url && (
            <Anchor
              component={Link}
              to={`/activities?instance=${encodeURIComponent(row.instance_id)}&object=${encodeURIComponent(row.url)}`}
              size="sm"
              data-testid="file-activities"
            >
              Activities on this file
            </Anchor>
          )}
          <Title order={5}>Shared with</Title>
          {detail.isPending && <Loader size="sm" />}
          {detail.isError && <QueryError title="Cannot read this file" error={detail.error} onRetry={() => void detail.refetch()} />}
          {detail.data &&
            (detail.data.collaborators.length === 0 ? (
              <Text size="sm" c="dimmed">
                No one by name{row.sharing === "public" ? " — but anyone with the link can open it" : row.sharing === "internal" ? " — the whole organisation can open it" : ""}.
              </Text>
            ) : (
              <Table fz="sm" data-testid="file-collaborators">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Person</Table.Th>
                    <Table.Th>Domain</Table.Th>
                    <Table.Th>Access</Table.Th>
                    <Table.Th />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {detail.data.collaborators.map((c) => (
                    <Table.Tr key={c.account}>
                      <Table.Td>{c.account}</Table.Td>
                      <Table.Td>{c.domain ?? "—"}</Table.Td>
                      <Table.Td>{c.permission}</Table.Td>
                      <Table.Td>
                        {c.external && (
                          <Badge color="orange" size="xs">
                            external
                          </Badge>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            ))}
          <Title order={5}>The vendor&apos;s record</Title>
          {detail.data && <RawRecord raw={detail.data.raw} testId="file-raw" />}
        </Stack>
      )}
    </Drawer>
  );
}

const staleness = [
  { value: "90", label: "Not modified for 90 days" },
  { value: "180", label: "Not modified for 180 days" },
  { value: "365", label: "Not modified for a year" },
];

/** Files across instances: who can reach them, filtered in the engine. */
export function FilesPage() {
  const [text, setText] = useState("");
  const [sharing, setSharing] = useState<string | null>(null);
  const [domain, setDomain] = useState("");
  const [owner, setOwner] = useState("");
  const [stale, setStale] = useState<string | null>(null);
  const [flags, setFlags] = useState<string[]>([]);
  const [open, setOpen] = useState<FileRow | null>(null);
  const [debounced] = useDebouncedValue({ text, domain, owner }, 300);
  const filter: FileFilter = {
    instance_id: null,
    app: null,
    sharing: (sharingLevels.find((l) => l.value === sharing)?.value ?? null),
    shared_with_domain: debounced.domain.trim() || null,
    owner: debounced.owner.trim() || null,
    external_owner: flags.includes("external_owner"),
    stale_days: stale === null ? null : Number(stale),
    text: debounced.text.trim() || null,
  };
  const files = useFiles(filter);
  const rows = useMemo(() => files.data?.pages.flatMap((p) => p.items) ?? [], [files.data]);
  const filtered = Object.values(filter).some((v) => v !== null && v !== false);

  return (
    <Stack gap="md">
      <div>
        <Title order={2}>Files</Title>
        <Text c="dimmed" size="sm">
          Files, folders and repositories of every connected instance with who can reach them, most recently modified first.
        </Text>
      </div>
      <Group align="flex-end" gap="sm">
        <TextInput
          label="Search"
          placeholder="name or owner"
          leftSection={<IconSearch size={14} />}
          value={text}
          onChange={(e) => {
            setText(e.currentTarget.value);
          }}
          w={200}
          data-testid="files-search"
        />
        <Select
          label="Shared with"
          placeholder="Anyone"
          clearable
          data={sharingLevels.map((l) => ({ value: l.value, label: l.label }))}
          value={sharing}
          onChange={setSharing}
          w={220}
          data-testid="files-sharing"
        />
        <TextInput
          label="Shared with domain"
          placeholder="fabrikam.com"
          value={domain}
          onChange={(e) => {
            setDomain(e.currentTarget.value);
          }}
          w={170}
          data-testid="files-domain"
        />
        <TextInput
          label="Owner"
          placeholder="alice@contoso.com"
          value={owner}
          onChange={(e) => {
            setOwner(e.currentTarget.value);
          }}
          w={190}
          data-testid="files-owner"
        />
        <Select
          label="Modified"
          placeholder="Any time"
          clearable
          data={staleness}
          value={stale}
          onChange={setStale}
          w={210}
          data-testid="files-stale"
        />
        <Chip.Group multiple value={flags} onChange={setFlags}>
          <Group pb={6}>
            <Chip value="external_owner">Owned by an external user</Chip>
          </Group>
        </Chip.Group>
      </Group>
      {files.isError && <QueryError title="Cannot read the files" error={files.error} onRetry={() => void files.refetch()} />}
      {files.isPending && <Loader size="sm" />}
      {files.data && rows.length === 0 && (
        <Alert color="gray" data-testid="files-empty">
          {filtered ? (
            "No file matches these filters."
          ) : (
            <>
              No files yet: <Link to="/connectors">connect an app</Link> and scan it — its files and repositories appear here with who can reach them.
            </>
          )}
        </Alert>
      )}
      {rows.length > 0 && (
        <Table highlightOnHover fz="sm" layout="fixed" data-testid="files-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th w={130}>Instance</Table.Th>
              <Table.Th w={210}>Owner</Table.Th>
              <Table.Th w={100}>Sharing</Table.Th>
              <Table.Th w={200}>Shared with</Table.Th>
              <Table.Th w={110}>Modified</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr
                key={`${r.instance_id}/${r.external_id}`}
                style={{ cursor: "pointer" }}
                onClick={() => {
                  setOpen(r);
                }}
                data-testid="file-row"
                data-sharing={r.sharing}
              >
                <Table.Td>
                  <Tooltip label={r.name} openDelay={500}>
                    <Text size="sm" truncate>
                      {r.name}
                    </Text>
                  </Tooltip>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" truncate>
                    {r.instance_name}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm" truncate>
                    {r.owner ?? "—"}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <SharingBadge level={r.sharing} />
                </Table.Td>
                <Table.Td>
                  <Text size="sm" truncate>
                    {r.collaborators === 0
                      ? "—"
                      : `${String(r.collaborators)} ${r.collaborators === 1 ? "person" : "people"}${r.domains.length > 0 ? ` · ${r.domains.join(", ")}` : ""}`}
                  </Text>
                </Table.Td>
                <Table.Td>{day(r.modified_at_ms)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {files.hasNextPage && (
        <Button variant="default" loading={files.isFetchingNextPage} onClick={() => void files.fetchNextPage()} data-testid="files-more">
          Show more files
        </Button>
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
