import { Alert, Badge, Button, Card, Group, Loader, Overlay, Stack, Table, Text, Title } from "@mantine/core";
import { IconCloudSearch, IconFileUpload, IconUpload } from "@tabler/icons-react";
import { useCallback, useRef, useState } from "react";
import { useNavigate } from "react-router";
import { QueryError } from "../../components/QueryError";
import { useFileDrop, useLogFormats, useReports, type ChosenFile } from "./api";
import { formatCount, formatSpan, formatTime } from "./format";
import { UploadModal } from "./UploadModal";

/** Files dropped on the window open the upload dialog (or join its list when it is open). */
export function useUploadDialog() {
  const [open, setOpen] = useState<{ files: ChosenFile[] } | null>(null);
  const [dropped, setDropped] = useState<ChosenFile[]>([]);
  const isOpen = useRef(false);
  const onDrop = useCallback((files: ChosenFile[]) => {
    if (isOpen.current) {
      setDropped((d) => [...d, ...files]);
    } else {
      isOpen.current = true;
      setOpen({ files });
    }
  }, []);
  const over = useFileDrop(onDrop);
  return {
    open,
    dropped,
    over,
    show: () => {
      isOpen.current = true;
      setDropped([]);
      setOpen({ files: [] });
    },
    close: () => {
      isOpen.current = false;
      setDropped([]);
      setOpen(null);
    },
  };
}

/** Shown while files are dragged over the window. */
export function DropOverlay() {
  return (
    <Overlay fixed center backgroundOpacity={0.55} blur={2} zIndex={400} data-testid="drop-overlay">
      <Stack align="center" gap="xs">
        <IconFileUpload size={56} color="white" />
        <Text c="white" fw={600} size="lg">
          Drop logs to upload them
        </Text>
      </Stack>
    </Overlay>
  );
}

/** Cloud Discovery: the reports, and uploading logs. */
export function DiscoveryPage() {
  const reports = useReports();
  const formats = useLogFormats();
  const navigate = useNavigate();
  const dialog = useUploadDialog();
  const openReport = (id: string) => {
    void navigate(`/discovery/report/${encodeURIComponent(id)}`);
  };

  return (
    <Stack gap="md">
      {dialog.over && <DropOverlay />}
      <Group justify="space-between">
        <div>
          <Title order={2}>Cloud Discovery</Title>
          <Text c="dimmed" size="sm">
            Which cloud apps your firewall and proxy logs show, who uses them, and how risky they are.
          </Text>
        </div>
        <Button leftSection={<IconUpload size={16} />} onClick={dialog.show} data-testid="discovery-upload">
          Upload logs
        </Button>
      </Group>
      {reports.isPending && <Loader />}
      {reports.isError && <QueryError title="Cannot load the reports" error={reports.error} onRetry={() => void reports.refetch()} />}
      {reports.data?.length === 0 && (
        <Card withBorder padding="xl" data-testid="discovery-empty">
          <Stack align="center" gap="sm">
            <IconCloudSearch size={48} stroke={1.4} />
            <Title order={4}>No reports yet</Title>
            <Text size="sm" c="dimmed" ta="center" maw={560}>
              Export a day or a month of logs from your firewall or web proxy and upload them here — or drop the files on
              this window. Cloudwarden reads {formats.data?.length ?? "20+"} formats (Squid, PAN-OS, Zscaler, FortiGate,
              Check Point, Cisco, Blue Coat, W3C and more), compressed or not, and nothing leaves this machine.
            </Text>
            <Button leftSection={<IconUpload size={16} />} onClick={dialog.show}>
              Upload logs
            </Button>
          </Stack>
        </Card>
      )}
      {reports.data !== undefined && reports.data.length > 0 && (
        <Table highlightOnHover withTableBorder data-testid="report-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Report</Table.Th>
              <Table.Th>Traffic from</Table.Th>
              <Table.Th ta="right">Uploads</Table.Th>
              <Table.Th ta="right">Lines</Table.Th>
              <Table.Th ta="right">Apps</Table.Th>
              <Table.Th>Updated (UTC)</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {reports.data.map((r) => (
              <Table.Tr
                key={r.report_id}
                style={{ cursor: "pointer" }}
                onClick={() => {
                  openReport(r.report_id);
                }}
                data-testid="report-row"
              >
                <Table.Td fw={500}>{r.name}</Table.Td>
                <Table.Td>{formatSpan(r.first_seen_ms, r.last_seen_ms)}</Table.Td>
                <Table.Td ta="right">{r.uploads}</Table.Td>
                <Table.Td ta="right">
                  {formatCount(r.lines_total)}
                  {r.lines_skipped > 0 && (
                    <Badge ml="xs" size="xs" variant="light" color="gray">
                      {formatCount(r.lines_skipped)} skipped
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td ta="right">{r.apps}</Table.Td>
                <Table.Td>{formatTime(r.updated_at_ms)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {formats.data !== undefined && reports.data !== undefined && reports.data.length > 0 && (
        <Alert variant="light" color="gray">
          Drop log files anywhere on this window to upload them.
        </Alert>
      )}
      {dialog.open !== null && (
        <UploadModal files={dialog.open.files} extraFiles={dialog.dropped} onClose={dialog.close} onOpenReport={openReport} />
      )}
    </Stack>
  );
}
