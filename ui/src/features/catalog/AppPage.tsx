import {
  Anchor,
  Badge,
  Breadcrumbs,
  Button,
  Card,
  Group,
  Modal,
  NumberInput,
  Progress,
  SimpleGrid,
  Skeleton,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
  Tooltip,
} from "@mantine/core";
import { IconEdit, IconGavel, IconTrash } from "@tabler/icons-react";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { QueryError } from "../../components/QueryError";
import { notifications } from "@mantine/notifications";
import {
  appTags,
  useApp,
  useClearScoreOverride,
  useDeleteCustomApp,
  useSetAppTags,
  useSetScoreOverride,
  type AppDetail,
  type DomainView,
  type GroupView,
} from "./api";
import { CustomAppForm } from "./CustomAppForm";
import { pct, ScoreBadge } from "./ScoreBadge";
import { SourceLink } from "./SourceLink";

const weightLabel: Record<string, string> = { ignored: "Ignored", low: "Low", medium: "Medium", high: "High", very_high: "Very high" };

function OverrideModal({ app, opened, onClose }: { app: AppDetail; opened: boolean; onClose: () => void }) {
  const set = useSetScoreOverride();
  const [score, setScore] = useState<number | string>(app.score ?? 5);
  const [note, setNote] = useState(app.score_override?.note ?? "");
  return (
    <Modal opened={opened} onClose={onClose} title={`Override the score of ${app.name}`}>
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          The override replaces the computed score everywhere (tables, reports). Say why — the note is kept with it.
        </Text>
        <NumberInput label="Score (0–10)" min={0} max={10} step={0.5} decimalScale={1} value={score} onChange={setScore} data-testid="override-score" />
        <Textarea label="Why" required autosize minRows={2} value={note} onChange={(e) => { setNote(e.currentTarget.value); }} data-testid="override-note" />
        {set.isError && (
          <Text c="red" size="sm" role="alert">
            {set.error.message}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            loading={set.isPending}
            data-testid="override-save"
            onClick={() => {
              set.mutate({ id: app.id, score: Number(score), note }, { onSuccess: onClose });
            }}
          >
            Save override
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

const trustLabel: Record<string, { label: string; color: string }> = {
  vendor: { label: "vendor list", color: "teal" },
  listed: { label: "listed", color: "blue" },
  brand: { label: "brand", color: "indigo" },
  unverified: { label: "unverified", color: "gray" },
  analyst: { label: "analyst", color: "grape" },
};

function DomainTable({ domains, testId }: { domains: DomainView[]; testId: string }) {
  return (
    <Table data-testid={testId}>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Domain</Table.Th>
          <Table.Th>Match</Table.Th>
          <Table.Th>Role</Table.Th>
          <Table.Th>Evidence</Table.Th>
          <Table.Th>Sources</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {domains.map((d) => (
          <Table.Tr key={`${d.pattern}-${d.match_kind}`} data-testid={`domain-${d.pattern}`}>
            <Table.Td>
              <Text size="sm" ff="monospace">
                {d.pattern}
              </Text>
              {d.kept_out_of_block_lists !== null && (
                <Tooltip label={d.kept_out_of_block_lists} multiline maw={360}>
                  <Badge size="xs" color="orange" variant="light">
                    never blocked
                  </Badge>
                </Tooltip>
              )}
            </Table.Td>
            <Table.Td>{d.match_kind === "exact" ? "this host only" : "host and sub-domains"}</Table.Td>
            <Table.Td>{d.role}</Table.Td>
            <Table.Td>
              <Tooltip label={d.why} multiline maw={360}>
                <Badge size="sm" variant="light" color={trustLabel[d.trust]?.color ?? "gray"}>
                  {trustLabel[d.trust]?.label ?? d.trust}
                </Badge>
              </Tooltip>
            </Table.Td>
            <Table.Td>
              <Text size="xs" c="dimmed">
                {d.sources.join(", ")}
              </Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function GroupCard({ group }: { group: GroupView }) {
  const known = group.factors.filter((f) => f.value !== null).length;
  return (
    <Card withBorder padding="md" data-testid={`group-${group.group}`}>
      <Group justify="space-between" mb="xs">
        <Group gap="xs">
          <Title order={4}>{group.name}</Title>
          <Badge variant="light" color="gray">
            weight {weightLabel[group.weight]}
          </Badge>
        </Group>
        {group.assessed ? (
          <Group gap="xs">
            <Text size="sm" c="dimmed">
              {known} of {group.factors.length} known
            </Text>
            <ScoreBadge score={group.score} coverage={group.coverage} />
          </Group>
        ) : (
          <Badge variant="outline" color="gray" data-testid={`group-${group.group}-not-assessed`}>
            not assessed
          </Badge>
        )}
      </Group>
      {group.assessed ? (
        <Progress value={pct(group.coverage)} size="xs" mb="sm" aria-label={`${group.name} coverage`} />
      ) : (
        <Text size="sm" c="dimmed" mb="sm">
          No openly licensed data source covers these factors for any app yet, so this group is left out of the score and of
          its coverage. Enter a value with its citation as a custom factor to count it.
        </Text>
      )}
      <Table layout="fixed" verticalSpacing={6}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th w="28%">Factor</Table.Th>
            <Table.Th w="14%">Value</Table.Th>
            <Table.Th w="8%">Score</Table.Th>
            <Table.Th>Source</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {group.factors.map((f) => (
            <Table.Tr key={f.id} data-testid={`factor-${f.id}`}>
              <Table.Td>
                <Tooltip label={f.description} multiline maw={320}>
                  <Text size="sm" fw={500}>
                    {f.name}
                  </Text>
                </Tooltip>
                <Text size="xs" c="dimmed">
                  weight {weightLabel[f.weight]}
                </Text>
              </Table.Td>
              <Table.Td>
                {f.value === null ? (
                  <Badge variant="outline" color="gray">
                    unknown
                  </Badge>
                ) : (
                  <Text size="sm" fw={600}>
                    {f.value}
                  </Text>
                )}
                {f.detail.length > 0 && (
                  <Tooltip label={f.detail.join(" · ")} multiline maw={400}>
                    <Text size="xs" c="dimmed" truncate>
                      {f.detail.join(", ")}
                    </Text>
                  </Tooltip>
                )}
              </Table.Td>
              <Table.Td>
                <Text size="sm">{f.score === null ? "—" : f.score.toFixed(0)}</Text>
              </Table.Td>
              <Table.Td>
                {f.source ? (
                  <Stack gap={0} data-testid="factor-source">
                    <Group gap={6}>
                      <SourceLink href={f.source.url || null} label={f.source.name} />
                      <Text size="xs" c="dimmed">
                        {f.source.license} · as of {f.as_of} · {f.method}
                      </Text>
                    </Group>
                    {f.reference && <SourceLink href={f.reference} size="xs" />}
                  </Stack>
                ) : (
                  <Text size="xs" c="dimmed">
                    No open data source — unknown, not guessed.
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

export function AppPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const app = useApp(id);
  const [editing, setEditing] = useState(false);
  const [overriding, setOverriding] = useState(false);
  const clear = useClearScoreOverride();
  const setTags = useSetAppTags();
  const del = useDeleteCustomApp();

  if (app.isPending) return <Skeleton h={400} />;
  if (app.isError)
    return <QueryError title="Could not open this app" error={app.error} onRetry={() => void app.refetch()} />;
  const a = app.data;
  return (
    <Stack gap="lg" maw={1200}>
      <Breadcrumbs>
        <Anchor component={Link} to="/catalog" size="sm">
          Cloud App Catalog
        </Anchor>
        <Text size="sm">{a.name}</Text>
      </Breadcrumbs>
      <Card withBorder padding="lg">
        <Group justify="space-between" align="start">
          <Stack gap={6}>
            <Group gap="xs">
              <Title order={2} data-testid="app-name">
                {a.name}
              </Title>
              {a.custom && <Badge variant="outline">{a.edits_builtin ? "edited" : "custom"}</Badge>}
            </Group>
            {a.vendor && (
              <Text size="sm" c="dimmed">
                {a.vendor.value} <Text span size="xs">(source: {a.vendor.source})</Text>
              </Text>
            )}
            {a.aliases.length > 0 && (
              <Text size="xs" c="dimmed">
                Also known as {a.aliases.slice(0, 8).join(", ")}
              </Text>
            )}
            <Group gap={6}>
              {a.categories.map((c) => (
                <Tooltip key={c.id} label={`From ${c.source}${c.source_value ? `: ${c.source_value}` : ""}`} multiline maw={360}>
                  <Badge variant="light">{c.name}</Badge>
                </Tooltip>
              ))}
            </Group>
          </Stack>
          <Stack gap={6} align="end">
            <Group gap="xs">
              <Text size="sm" c="dimmed">
                Risk score
              </Text>
              <ScoreBadge score={a.score} coverage={a.coverage} confidence={a.confidence} size="xl" scale />
            </Group>
            <Select
              size="xs"
              w={220}
              label="Decision"
              data={[{ value: "none", label: "Not decided" }, ...appTags.map((t) => ({ value: t.value, label: t.label }))]}
              value={a.tag ?? "none"}
              allowDeselect={false}
              onChange={(v) => {
                setTags.mutate(
                  { ids: [a.id], tag: v === null || v === "none" ? null : v },
                  { onError: (e) => notifications.show({ color: "red", title: "Could not tag the app", message: e.message }) },
                );
              }}
              disabled={setTags.isPending}
              data-testid="app-tag"
            />
            <Text size="xs" c="dimmed" data-testid="app-coverage">
              {a.score === null && a.score_override === null
                ? `Not enough data — ${pct(a.coverage)} % of weighted factors known`
                : `${pct(a.coverage)} % of weighted factors known`}
            </Text>
            {a.score_override && (
              <Text size="xs" c="orange" maw={320} ta="right">
                Overridden (computed {a.computed_score?.toFixed(1) ?? "n/a"}): {a.score_override.note}
              </Text>
            )}
            <Group gap="xs">
              <Button size="xs" variant="default" leftSection={<IconEdit size={14} />} onClick={() => { setEditing(true); }}>
                Edit
              </Button>
              <Button size="xs" variant="default" leftSection={<IconGavel size={14} />} onClick={() => { setOverriding(true); }} data-testid="app-override">
                Override score
              </Button>
              {a.score_override && (
                <Button size="xs" variant="subtle" loading={clear.isPending} onClick={() => { clear.mutate(a.id); }}>
                  Clear override
                </Button>
              )}
              {a.custom && (
                <Button
                  size="xs"
                  color="red"
                  variant="light"
                  leftSection={<IconTrash size={14} />}
                  loading={del.isPending}
                  onClick={() => {
                    del.mutate(a.id, {
                      onSuccess: () => {
                        if (a.edits_builtin) void app.refetch();
                        else void navigate("/catalog");
                      },
                    });
                  }}
                >
                  {a.edits_builtin ? "Discard edit" : "Delete"}
                </Button>
              )}
            </Group>
          </Stack>
        </Group>
      </Card>

      <SimpleGrid cols={1} spacing="md">
        {a.groups.map((g) => (
          <GroupCard key={g.group} group={g} />
        ))}
      </SimpleGrid>

      <Card withBorder padding="md">
        <Title order={4} mb="xs">
          Domains
        </Title>
        <Text size="xs" c="dimmed" mb="xs">
          Hosts in firewall and proxy logs are matched to this app by these rules: exact host, then the longest domain
          suffix. Tenant rules also claim customer sub-domains (acme.slack.com).
        </Text>
        <DomainTable domains={a.domains.filter((d) => d.attributes)} testId="app-domains" />
        {a.domains.some((d) => !d.attributes) && (
          <>
            <Title order={5} mt="md" mb={4}>
              Related domains, unverified
            </Title>
            <Text size="xs" c="dimmed" mb="xs">
              Only a routing list (v2fly) groups these with the app, and nothing else shows they are the app&apos;s: they are
              never used to attribute traffic or to build block lists.
            </Text>
            <DomainTable domains={a.domains.filter((d) => !d.attributes)} testId="app-related-domains" />
          </>
        )}
      </Card>

      {a.links.length > 0 && (
        <Card withBorder padding="md">
          <Title order={4} mb="xs">
            Evidence for the analyst
          </Title>
          <Stack gap={4}>
            {a.links.map((l) => (
              <Group key={l.kind} gap="xs">
                <Text size="sm" w={180}>
                  {l.kind.replace(/_/g, " ")}
                </Text>
                <SourceLink href={l.url} />
                <Text size="xs" c="dimmed">
                  ({l.source})
                </Text>
              </Group>
            ))}
          </Stack>
        </Card>
      )}

      {editing && (
      <CustomAppForm
        app={a}
        onClose={() => { setEditing(false); }}
        onSaved={() => {
          setEditing(false);
        }}
      />
      )}
      <OverrideModal key={`${a.id}-${String(overriding)}`} app={a} opened={overriding} onClose={() => { setOverriding(false); }} />
    </Stack>
  );
}
