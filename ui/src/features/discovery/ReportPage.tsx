import {
  Anchor,
  Button,
  Card,
  Group,
  Loader,
  Menu,
  Modal,
  Progress,
  SimpleGrid,
  Stack,
  Tabs,
  Text,
  Title,
  Tooltip,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconArrowLeft, IconBan, IconDownload, IconTrash, IconUpload } from "@tabler/icons-react";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { QueryError } from "../../components/QueryError";
import { CustomAppForm } from "../catalog/CustomAppForm";
import {
  blockListFormats,
  useDeleteReport,
  useExportReportCsv,
  useReport,
  type BlockListFormat,
  type ReportView,
} from "./api";
import { BlockListModal } from "./BlockListModal";
import { AppsTable } from "./AppsTable";
import { DomainsTable } from "./DomainsTable";
import { DropOverlay, useUploadDialog } from "./DiscoveryPage";
import { formatBytes, formatCount, formatSpan } from "./format";
import { UploadModal } from "./UploadModal";
import { UploadsTable } from "./UploadsTable";
import { UsageDrawer } from "./UsageDrawer";

function Stat({ label, value, detail, testId }: { label: string; value: string; detail?: string; testId: string }) {
  return (
    <Card withBorder padding="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={testId}>
        {value}
      </Text>
      {detail !== undefined && (
        <Text size="xs" c="dimmed">
          {detail}
        </Text>
      )}
    </Card>
  );
}

function RiskCard({ risk }: { risk: ReportView["summary"]["risk"] }) {
  const total = risk.high + risk.medium + risk.low + risk.unscored;
  const share = (n: number) => (total === 0 ? 0 : (n / total) * 100);
  const parts = [
    { label: "High", n: risk.high, color: "red" },
    { label: "Medium", n: risk.medium, color: "yellow" },
    { label: "Low", n: risk.low, color: "teal" },
    { label: "Unscored", n: risk.unscored, color: "gray" },
  ];
  return (
    <Card withBorder padding="sm" data-testid="summary-risk">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        Risk of the apps
      </Text>
      <Progress.Root size="lg" my={6}>
        {parts.map((p) => (
          <Tooltip key={p.label} label={`${p.label} risk: ${String(p.n)} apps`}>
            <Progress.Section value={share(p.n)} color={p.color} />
          </Tooltip>
        ))}
      </Progress.Root>
      <Group gap="sm">
        {parts.map((p) => (
          <Text key={p.label} size="xs" c={p.color === "gray" ? "dimmed" : p.color}>
            {p.label} {p.n}
          </Text>
        ))}
      </Group>
    </Card>
  );
}

/** One report: summary cards, discovered apps, unmatched domains, uploads; exports. */
export function ReportPage() {
  const { id = "" } = useParams();
  const report = useReport(id);
  const navigate = useNavigate();
  const dialog = useUploadDialog();
  const exportCsv = useExportReportCsv();
  const [blockList, setBlockList] = useState<BlockListFormat | null>(null);
  const remove = useDeleteReport();
  const [drill, setDrill] = useState<{ kind: string; key: string; name: string } | null>(null);
  const [addDomain, setAddDomain] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  if (report.isPending) return <Loader />;
  if (report.isError)
    return <QueryError title="Cannot load the report" error={report.error} onRetry={() => void report.refetch()} />;
  const r = report.data;
  const s = r.summary;

  const exported = (what: string) => (res: { path: string; entries: number; apps: number } | null) => {
    if (res !== null)
      notifications.show({ color: "teal", title: `${what} exported`, message: `${String(res.entries)} entries written to ${res.path}` });
  };
  const failed = (e: Error) => {
    notifications.show({ color: "red", title: "Export failed", message: e.message });
  };

  return (
    <Stack gap="md">
      {dialog.over && <DropOverlay />}
      <Anchor component={Link} to="/discovery" size="sm">
        <Group gap={4}>
          <IconArrowLeft size={14} /> Cloud Discovery
        </Group>
      </Anchor>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2} data-testid="report-name">
            {r.info.name}
          </Title>
          <Text size="sm" c="dimmed">
            Traffic from {formatSpan(r.info.first_seen_ms, r.info.last_seen_ms)} · {r.info.uploads} uploads ·{" "}
            {formatCount(r.info.lines_total)} lines
          </Text>
        </div>
        <Group gap="xs">
          <Button variant="default" leftSection={<IconUpload size={16} />} onClick={dialog.show} data-testid="report-add-logs">
            Add logs
          </Button>
          <Button
            variant="default"
            leftSection={<IconDownload size={16} />}
            loading={exportCsv.isPending}
            onClick={() => {
              exportCsv.mutate(r.info, { onSuccess: exported("CSV"), onError: failed });
            }}
            data-testid="report-export-csv"
          >
            Export CSV
          </Button>
          <Menu position="bottom-end">
            <Menu.Target>
              <Button
                variant="default"
                leftSection={<IconBan size={16} />}
                data-testid="report-block-list"
              >
                Block list
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>Unsanctioned apps ({s.tags.unsanctioned} here) as</Menu.Label>
              {blockListFormats.map((f) => (
                <Menu.Item
                  key={f.value}
                  onClick={() => {
                    setBlockList(f.value);
                  }}
                  data-testid={`block-list-${f.value}`}
                >
                  {f.label}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          <Tooltip label="Delete this report">
            <Button
              variant="default"
              color="red"
              aria-label="Delete this report"
              onClick={() => {
                setConfirmDelete(true);
              }}
            >
              <IconTrash size={16} />
            </Button>
          </Tooltip>
        </Group>
      </Group>

      <SimpleGrid cols={{ base: 2, md: 3, lg: 6 }} spacing="sm">
        <Stat label="Apps" value={formatCount(s.apps)} detail={`${formatCount(s.unmatched_domains)} unmatched domains`} testId="summary-apps" />
        <Stat label="Users" value={formatCount(s.users)} testId="summary-users" />
        <Stat label="Source IPs" value={formatCount(s.ips)} testId="summary-ips" />
        <Stat
          label="Traffic"
          value={formatBytes(s.bytes_up + s.bytes_down)}
          detail={`${formatBytes(s.bytes_up)} up · ${formatBytes(s.bytes_down)} down`}
          testId="summary-traffic"
        />
        <Stat
          label="Transactions"
          value={formatCount(s.transactions)}
          detail={`${formatCount(s.blocked)} blocked`}
          testId="summary-transactions"
        />
        <RiskCard risk={s.risk} />
      </SimpleGrid>

      <Tabs defaultValue="apps" keepMounted={false}>
        <Tabs.List>
          <Tabs.Tab value="apps" data-testid="tab-apps">
            Discovered apps ({s.apps})
          </Tabs.Tab>
          <Tabs.Tab value="domains" data-testid="tab-domains">
            Unmatched domains ({s.unmatched_domains})
          </Tabs.Tab>
          <Tabs.Tab value="uploads" data-testid="tab-uploads">
            Uploads ({r.uploads.length})
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="apps" pt="sm">
          <AppsTable
            apps={r.apps}
            onOpen={(a) => {
              setDrill({ kind: "app", key: a.app_id, name: a.name });
            }}
          />
        </Tabs.Panel>
        <Tabs.Panel value="domains" pt="sm">
          <DomainsTable
            domains={r.unmatched_domains}
            onOpen={(d) => {
              setDrill({ kind: d.kind, key: d.domain, name: d.domain });
            }}
            onAddApp={setAddDomain}
          />
        </Tabs.Panel>
        <Tabs.Panel value="uploads" pt="sm">
          <UploadsTable uploads={r.uploads} />
        </Tabs.Panel>
      </Tabs>

      {drill !== null && (
        <UsageDrawer
          reportId={r.info.report_id}
          kind={drill.kind}
          usageKey={drill.key}
          name={drill.name}
          app={drill.kind === "app" ? r.apps.find((a) => a.app_id === drill.key) : undefined}
          onClose={() => {
            setDrill(null);
          }}
        />
      )}
      {blockList !== null && (
        <BlockListModal
          initial={blockList}
          onClose={() => {
            setBlockList(null);
          }}
        />
      )}
      {addDomain !== null && (
        <CustomAppForm
          initialDomains={[addDomain]}
          onClose={() => {
            setAddDomain(null);
          }}
          onSaved={() => {
            setAddDomain(null);
            void report.refetch();
            notifications.show({
              color: "teal",
              title: "Custom app added",
              message: `Traffic to ${addDomain} now counts for the new app in every report.`,
            });
          }}
        />
      )}
      {dialog.open !== null && (
        <UploadModal
          files={dialog.open.files}
          extraFiles={dialog.dropped}
          report={r.info.name}
          onClose={dialog.close}
          onOpenReport={dialog.close}
        />
      )}
      <Modal
        opened={confirmDelete}
        onClose={() => {
          setConfirmDelete(false);
        }}
        title="Delete this report?"
      >
        <Text size="sm" mb="md">
          The report “{r.info.name}”, its {r.info.uploads} uploads and all their usage data are deleted. App tags stay.
        </Text>
        <Group justify="flex-end">
          <Button
            variant="default"
            onClick={() => {
              setConfirmDelete(false);
            }}
          >
            Keep it
          </Button>
          <Button
            color="red"
            loading={remove.isPending}
            onClick={() => {
              remove.mutate(r.info.report_id, {
                onSuccess: () => void navigate("/discovery"),
                onError: (e) => {
                  notifications.show({ color: "red", title: "Cannot delete the report", message: e.message });
                },
              });
            }}
          >
            Delete
          </Button>
        </Group>
      </Modal>
    </Stack>
  );
}
