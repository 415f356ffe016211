import {
  Alert,
  Button,
  Checkbox,
  Group,
  Loader,
  Modal,
  ScrollArea,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  TagsInput,
  Text,
  TextInput,
} from "@mantine/core";
import { useState } from "react";
import { useLogPreview, useSaveCustomFormat, type ChosenFile, type CustomFormatDef } from "./api";

type Layout = CustomFormatDef["timestamp_layout"];

const layouts: { value: Layout; label: string }[] = [
  { value: "iso8601", label: "ISO 8601 — 2022-05-09T17:10:04Z" },
  { value: "date_time", label: "Date and time — 2022-05-09 17:10:04 (UTC)" },
  { value: "epoch_seconds", label: "Unix seconds — 1652116204" },
  { value: "epoch_millis", label: "Unix milliseconds — 1652116204250" },
  { value: "common_log", label: "Web server — 09/May/2022:17:10:04 +0000" },
  { value: "month_day_year", label: "US — 05/09/2022 17:10:04 (UTC)" },
  { value: "day_month_year", label: "European — 09/05/2022 17:10:04 (UTC)" },
];

const delimiters = [
  { value: ",", label: "Comma" },
  { value: "\t", label: "Tab" },
  { value: ";", label: "Semicolon" },
  { value: "|", label: "Pipe" },
];

type Field = "timestamp" | "src_ip" | "user" | "host" | "url" | "bytes_up" | "bytes_down" | "action";

const fields: { key: Field; label: string; required?: boolean }[] = [
  { key: "timestamp", label: "Time stamp", required: true },
  { key: "src_ip", label: "Source IP" },
  { key: "user", label: "User" },
  { key: "host", label: "Destination host (or IP)" },
  { key: "url", label: "URL" },
  { key: "bytes_up", label: "Bytes sent (upload)" },
  { key: "bytes_down", label: "Bytes received (download)" },
  { key: "action", label: "Action (allowed / blocked)" },
];

/**
 * Map the columns of a CSV/TSV log to traffic fields and save the mapping as a named format.
 * `sample` is the log whose first lines are shown.
 */
export function CustomFormatModal({
  sample,
  onClose,
  onSaved,
}: {
  sample: ChosenFile;
  onClose: () => void;
  onSaved: (formatId: string) => void;
}) {
  const [delimiter, setDelimiter] = useState<string | null>(null);
  const preview = useLogPreview(sample, delimiter);
  const save = useSaveCustomFormat();
  const [name, setName] = useState("");
  const [hasHeader, setHasHeader] = useState(true);
  const [layout, setLayout] = useState<Layout>("iso8601");
  const [columns, setColumns] = useState<Partial<Record<Field, number>>>({});
  const [blocked, setBlocked] = useState<string[]>([]);

  const rows = preview.data?.columns ?? [];
  const width = Math.max(0, ...rows.map((r) => r.length));
  const header = hasHeader ? rows[0] : undefined;
  const body = hasHeader ? rows.slice(1) : rows;
  const columnLabel = (i: number) => {
    const title = header?.[i];
    const example = body[0]?.[i] ?? "";
    return `${String(i + 1)}: ${title ?? ""}${title !== undefined && example !== "" ? " — " : ""}${example.slice(0, 40)}`;
  };
  const options = Array.from({ length: width }, (_, i) => ({ value: String(i), label: columnLabel(i) }));
  const effectiveDelimiter = delimiter ?? preview.data?.delimiter ?? ",";

  const submit = () => {
    const def: CustomFormatDef = {
      name: name.trim(),
      delimiter: effectiveDelimiter,
      has_header: hasHeader,
      timestamp: columns.timestamp ?? 0,
      timestamp_layout: layout,
      src_ip: columns.src_ip ?? null,
      user: columns.user ?? null,
      host: columns.host ?? null,
      url: columns.url ?? null,
      bytes_up: columns.bytes_up ?? null,
      bytes_down: columns.bytes_down ?? null,
      action: columns.action ?? null,
      blocked_values: blocked,
    };
    save.mutate(def, {
      onSuccess: (saved) => {
        onSaved(`custom:${saved.name}`);
      },
    });
  };

  return (
    <Modal opened onClose={onClose} title="Define a custom CSV/TSV format" size="80%">
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          First lines of {sample.name}. Pick the column of each field; the mapping is saved under its name
          and offered as a format for every later upload.
        </Text>
        {preview.isPending && <Loader size="sm" />}
        {preview.isError && <Alert color="red">{preview.error.message}</Alert>}
        {rows.length > 0 && (
          <ScrollArea type="auto" mah={220}>
            <Table withTableBorder withColumnBorders fz="xs" data-testid="custom-format-preview">
              <Table.Thead>
                <Table.Tr>
                  {Array.from({ length: width }, (_, i) => (
                    <Table.Th key={i} style={{ whiteSpace: "nowrap" }}>
                      {i + 1}
                      {header?.[i] !== undefined ? ` · ${header[i] ?? ""}` : ""}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {body.slice(0, 8).map((r, j) => (
                  <Table.Tr key={j}>
                    {Array.from({ length: width }, (_, i) => (
                      <Table.Td key={i} style={{ whiteSpace: "nowrap" }}>
                        {r[i] ?? ""}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
        )}
        <Group align="flex-end">
          <TextInput
            label="Name"
            required
            placeholder="Branch proxy export"
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
            }}
            data-testid="custom-format-name"
          />
          <Stack gap={4}>
            <Text size="sm" fw={500}>
              Delimiter
            </Text>
            <SegmentedControl
              data={delimiters}
              value={effectiveDelimiter}
              onChange={(v) => {
                setDelimiter(v);
                setColumns({});
              }}
            />
          </Stack>
          <Checkbox
            label="First line is column names"
            checked={hasHeader}
            onChange={(e) => {
              setHasHeader(e.currentTarget.checked);
            }}
            mb={8}
          />
        </Group>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm">
          {fields.map((f) => (
            <Select
              key={f.key}
              label={f.label}
              required={f.required}
              placeholder={f.required ? "Choose a column" : "Not in this log"}
              data={options}
              value={columns[f.key] === undefined ? null : String(columns[f.key])}
              onChange={(v) => {
                setColumns({ ...columns, [f.key]: v === null ? undefined : Number(v) });
              }}
              clearable={!f.required}
              searchable
              data-testid={`custom-format-${f.key}`}
            />
          ))}
          <Select
            label="Time stamp layout"
            data={layouts}
            value={layout}
            onChange={(v) => {
              const l = layouts.find((x) => x.value === v);
              if (l) setLayout(l.value);
            }}
            allowDeselect={false}
            data-testid="custom-format-layout"
          />
          <TagsInput
            label="Action values that mean blocked"
            description="Empty: deny, denied, block, blocked, drop, reject…"
            value={blocked}
            onChange={setBlocked}
            disabled={columns.action === undefined}
          />
        </SimpleGrid>
        {save.error && (
          <Alert color="red" role="alert" data-testid="custom-format-error">
            {save.error.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            onClick={submit}
            loading={save.isPending}
            disabled={name.trim() === "" || columns.timestamp === undefined || (columns.host === undefined && columns.url === undefined)}
            data-testid="custom-format-save"
          >
            Save format
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
