import {
  ActionIcon,
  Alert,
  Autocomplete,
  Badge,
  Button,
  Code,
  Group,
  Modal,
  Progress,
  Select,
  Stack,
  Table,
  Text,
} from "@mantine/core";
import { IconAlertTriangle, IconFilePlus, IconUpload, IconX } from "@tabler/icons-react";
import { useState } from "react";
import {
  isCancelled,
  pickLogFiles,
  useLogFormats,
  useReports,
  useUpload,
  type ChosenFile,
  type DiscoveryProgress,
  type DiscoveryResult,
} from "./api";
import { CustomFormatModal } from "./CustomFormatModal";
import { formatBytes, formatCount, formatDuration, isBenignSkip, reasonLabel } from "./format";

function baseName(path: string) {
  return path.split(/[\\/]/).pop() ?? path;
}

/** Live progress of a running upload. */
function UploadProgress({ progress, onCancel }: { progress: DiscoveryProgress | null; onCancel: () => void }) {
  const total = progress?.total_file_bytes ?? 0;
  const done = progress?.file_bytes ?? 0;
  const pct = total > 0 ? Math.min(100, (done / total) * 100) : 0;
  return (
    <Stack gap="xs" data-testid="upload-progress">
      <Progress value={pct} animated size="lg" aria-label="Upload progress" />
      <Group justify="space-between">
        <Text size="sm" data-testid="upload-progress-text">
          {progress === null
            ? "Starting…"
            : `File ${String(progress.file)} of ${String(progress.files)} · ${formatBytes(done)} of ${formatBytes(total)} · ${formatCount(progress.lines)} lines · ${formatCount(Math.round(progress.lines_per_sec ?? 0))} lines/s`}
        </Text>
        <Text size="sm" c="dimmed">
          {progress?.eta_ms != null ? `about ${formatDuration(progress.eta_ms)} left` : ""}
        </Text>
      </Group>
      <Group justify="flex-end">
        <Button variant="default" color="red" leftSection={<IconX size={16} />} onClick={onCancel} data-testid="upload-cancel">
          Cancel
        </Button>
      </Group>
    </Stack>
  );
}

/** What an upload found: line accounting, malformed samples, apps. */
export function UploadSummary({ result }: { result: DiscoveryResult }) {
  const reasons = Object.entries(result.lines.skipped_by_reason);
  return (
    <Stack gap="sm" data-testid="upload-summary">
      <Text size="sm">
        <b>{formatCount(result.lines.parsed)}</b> of {formatCount(result.lines.total)} lines parsed in{" "}
        {formatDuration(result.duration_ms)}: <b data-testid="upload-summary-apps">{result.apps.length}</b> apps and{" "}
        {result.unmatched_domains.length} unmatched domains.
      </Text>
      <Table withTableBorder fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>File</Table.Th>
            <Table.Th>Format</Table.Th>
            <Table.Th ta="right">Size</Table.Th>
            <Table.Th ta="right">Lines</Table.Th>
            <Table.Th ta="right">Skipped</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {result.files.map((f) => (
            <Table.Tr key={f.name}>
              <Table.Td>{baseName(f.name)}</Table.Td>
              <Table.Td>
                {f.error ? (
                  <Text span size="sm" c="red" data-testid="upload-file-error">
                    not read: {f.error}
                  </Text>
                ) : (
                  <>
                    {f.format}{" "}
                    <Text span size="xs" c="dimmed">
                      ({Math.round((f.confidence ?? 0) * 100)} %)
                    </Text>
                  </>
                )}
              </Table.Td>
              <Table.Td ta="right">{formatBytes(f.bytes)}</Table.Td>
              <Table.Td ta="right">{formatCount(f.lines.total)}</Table.Td>
              <Table.Td ta="right">{formatCount(f.lines.skipped)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {reasons.length > 0 && (
        <Group gap="xs">
          <Text size="sm">Skipped lines:</Text>
          {reasons.map(([reason, n]) => (
            <Badge key={reason} variant="light" color={isBenignSkip(reason) ? "gray" : "orange"}>
              {reasonLabel(reason)}: {formatCount(n)}
            </Badge>
          ))}
        </Group>
      )}
      {result.malformed_samples.length > 0 && <MalformedSamples samples={result.malformed_samples} />}
    </Stack>
  );
}

export function MalformedSamples({ samples }: { samples: DiscoveryResult["malformed_samples"] }) {
  return (
    <Stack gap={4}>
      <Text size="sm" fw={500}>
        First malformed lines
      </Text>
      {samples.slice(0, 10).map((s) => (
        <Text key={`${s.file}:${String(s.line)}:${s.reason}`} size="xs">
          {baseName(s.file)}:{s.line} <Badge size="xs" variant="outline" color="orange">{reasonLabel(s.reason)}</Badge>{" "}
          <Code>{s.text.length > 160 ? `${s.text.slice(0, 160)}…` : s.text}</Code>
        </Text>
      ))}
    </Stack>
  );
}

/**
 * Upload logs into a new or existing report. Mount it when it opens; `files` seeds the list
 * (files dropped on the window), `report` fixes the report (adding logs to it).
 */
export function UploadModal({
  files: initialFiles,
  extraFiles,
  report,
  onClose,
  onOpenReport,
}: {
  files: ChosenFile[];
  /** Files dropped while the dialog is open; appended to the list. */
  extraFiles: ChosenFile[];
  report?: string;
  onClose: () => void;
  onOpenReport: (reportId: string) => void;
}) {
  const formats = useLogFormats();
  const reports = useReports();
  const upload = useUpload();
  const [picked, setPicked] = useState<ChosenFile[]>(initialFiles);
  const [removed, setRemoved] = useState<string[]>([]);
  const [format, setFormat] = useState<string | null>("auto");
  const [reportName, setReportName] = useState(report ?? "");
  const [defining, setDefining] = useState(false);
  const [chooseError, setChooseError] = useState<string | null>(null);
  // One entry per path (a file chosen twice is uploaded once), without the ones removed.
  const files = [...picked, ...extraFiles].filter(
    (f, i, all) => !removed.includes(f.path) && all.findIndex((g) => g.path === f.path) === i,
  );
  const running = upload.running;
  const result = upload.data;
  const cancelled = isCancelled(upload.error);

  const start = () => {
    upload.mutate({
      files: files.map((f) => f.handle),
      format: format === "auto" ? null : format,
      report: reportName.trim() || null,
      dry_run: false,
    });
  };

  return (
    <Modal
      opened
      onClose={() => {
        if (!running) onClose();
      }}
      title={report ? `Add logs to ${report}` : "Upload firewall or proxy logs"}
      size="xl"
      closeOnClickOutside={!running}
    >
      <Stack gap="md">
        {result === undefined && !running && (
          <>
            <Stack gap={4} data-testid="upload-files">
              {files.length === 0 ? (
                <Text size="sm" c="dimmed">
                  Choose files or drop them on the window: plain text, .gz, .bz2, .zst or .zip (every member), any size.
                </Text>
              ) : (
                files.map((f) => (
                  <Group key={f.path} justify="space-between" wrap="nowrap">
                    <Text size="sm" truncate="start" title={f.path}>
                      {f.path}{" "}
                      <Text span size="xs" c="dimmed">
                        ({formatBytes(f.bytes)})
                      </Text>
                    </Text>
                    <ActionIcon
                      variant="subtle"
                      color="gray"
                      aria-label={`Remove ${f.name}`}
                      onClick={() => {
                        setRemoved([...removed, f.path]);
                      }}
                    >
                      <IconX size={14} />
                    </ActionIcon>
                  </Group>
                ))
              )}
            </Stack>
            <Group>
              <Button
                variant="default"
                leftSection={<IconFilePlus size={16} />}
                onClick={() => {
                  setChooseError(null);
                  pickLogFiles()
                    .then((more) => {
                      setPicked([...picked, ...more]);
                      setRemoved(removed.filter((r) => !more.some((m) => m.path === r)));
                    })
                    .catch((e: unknown) => {
                      setChooseError(e instanceof Error ? e.message : String(e));
                    });
                }}
                data-testid="upload-choose"
              >
                Choose files…
              </Button>
              <Text size="xs" c="dimmed">
                …or drop them on the window
              </Text>
            </Group>
            {chooseError && (
              <Text size="sm" c="red">
                {chooseError}
              </Text>
            )}
            <Group grow align="flex-start">
              <Select
                label="Log format"
                description="Auto-detect reads the first lines of each file"
                data={[
                  { value: "auto", label: "Auto-detect" },
                  ...(formats.data ?? []).map((f) => ({ value: f.id, label: `${f.name} (${f.vendor})` })),
                ]}
                value={format}
                onChange={setFormat}
                searchable
                allowDeselect={false}
                data-testid="upload-format"
                inputContainer={(children) => (
                  <Stack gap={2}>
                    {children}
                    <Button
                      variant="subtle"
                      size="compact-xs"
                      disabled={files.length === 0}
                      onClick={() => {
                        setDefining(true);
                      }}
                      style={{ alignSelf: "flex-start" }}
                      data-testid="upload-define-format"
                    >
                      {files.length === 0 ? "Add a file to define a custom CSV/TSV format" : "Define a custom CSV/TSV format…"}
                    </Button>
                  </Stack>
                )}
              />
              <Autocomplete
                label="Report"
                description="A new name creates a report; an existing one adds to it"
                placeholder="Discovery (today's date)"
                data={(reports.data ?? []).map((r) => r.name)}
                value={reportName}
                onChange={setReportName}
                disabled={report !== undefined}
                data-testid="upload-report-name"
              />
            </Group>
            {upload.error && !cancelled && (
              <Alert color="red" icon={<IconAlertTriangle size={18} />} title="The upload failed" role="alert">
                {upload.error.message}
              </Alert>
            )}
            {cancelled && (
              <Alert color="yellow" title="Upload cancelled" data-testid="upload-cancelled">
                Nothing was stored. Start again when you are ready.
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Close
              </Button>
              <Button leftSection={<IconUpload size={16} />} disabled={files.length === 0} onClick={start} data-testid="upload-start">
                Upload {files.length > 0 ? `${String(files.length)} file${files.length > 1 ? "s" : ""}` : ""}
              </Button>
            </Group>
          </>
        )}
        {defining && files[0] !== undefined && (
          <CustomFormatModal
            sample={files[0]}
            onClose={() => {
              setDefining(false);
            }}
            onSaved={(id) => {
              setDefining(false);
              setFormat(id);
            }}
          />
        )}
        {running && <UploadProgress progress={upload.progress} onCancel={upload.cancel} />}
        {result !== undefined && (
          <>
            <UploadSummary result={result} />
            <Group justify="flex-end">
              <Button variant="default" onClick={onClose}>
                Close
              </Button>
              {result.report_id !== null && (
                <Button
                  onClick={() => {
                    onOpenReport(result.report_id ?? "");
                  }}
                  data-testid="upload-open-report"
                >
                  Open report
                </Button>
              )}
            </Group>
          </>
        )}
      </Stack>
    </Modal>
  );
}
